using Akka.Actor;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// The cluster as the status page shows it: the members as this node sees them (Akka.Cluster's state, a snapshot any
/// thread may read), where a message could be published, and what crossed nodes. Empty until the actor system runs.
/// </summary>
public sealed class ClusterView(ClusterMetrics metrics)
{
    private volatile ActorSystem? _system;

    public ClusterMetrics Metrics { get; } = metrics;

    public void Attach(ActorSystem system) => _system = system;

    public ClusterStatus? Snapshot()
    {
        if (_system is not { } system)
            return null;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var counts = Metrics.Snapshot();
        var self = cluster.SelfAddress;
        var members = state.Members
            .Select(m => new ClusterMemberStatus(m.Address.ToString(), m.Status.ToString(), !state.Unreachable.Contains(m), m.Address.Equals(self),
                m.Address.Equals(self) ? counts.LocalLinkUp : counts.ConnectedPeers.Contains(m.Address.ToString())))
            .OrderBy(m => m.Address, StringComparer.Ordinal)
            .ToList();
        return new ClusterStatus(self.ToString(), members, counts.MessagesSent, counts.MessagesTaken);
    }
}

/// <summary>The cluster on the status page: its members and the messages that crossed nodes from or to this one.</summary>
public sealed record ClusterStatus(string Self, IReadOnlyList<ClusterMemberStatus> Members, long MessagesSent, long MessagesTaken);

/// <param name="PublisherConnected">The member's broker link: this node's as its publisher reports it, another's as its last announcement said (null: not known yet).</param>
public sealed record ClusterMemberStatus(string Address, string Status, bool Reachable, bool IsSelf, bool? PublisherConnected);
