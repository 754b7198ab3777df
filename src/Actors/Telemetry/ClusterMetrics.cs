using System.Diagnostics.Metrics;

namespace SmtpCollector.Actors.Telemetry;

/// <summary>
/// What a cluster node adds to /metrics and the status page: messages that crossed nodes, each way, and whose publishers
/// it could send to. A meter of the same name as <see cref="CollectorMetrics"/>, so the same exporter reads it; made only
/// on a cluster node and written by its cluster sink and that sink's consumers, read by any thread.
/// </summary>
public sealed class ClusterMetrics : IDisposable
{
    private readonly Meter _meter = new(CollectorMetrics.MeterName);
    private readonly Counter<long> _sentCounter;
    private readonly Counter<long> _takenCounter;
    private long _sent;
    private long _taken;
    private volatile PublisherLinks _links = new(null, []);

    public ClusterMetrics()
    {
        _sentCounter = _meter.CreateCounter<long>("smtp_collector.cluster.messages.sent", "{message}", "Messages sent to another node's publisher");
        _takenCounter = _meter.CreateCounter<long>("smtp_collector.cluster.messages.taken", "{message}", "Messages taken from another node for this node's publisher");
        _meter.CreateObservableGauge("smtp_collector.cluster.peer_publishers", () => _links.ConnectedPeers.Count, "{publisher}",
            "Other nodes whose publisher is connected and announced");
        // From the start at 0, as CollectorMetrics does: rate() misses a counter's first event otherwise.
        _sentCounter.Add(0);
        _takenCounter.Add(0);
    }

    public void MessageSent()
    {
        _sentCounter.Add(1);
        Interlocked.Increment(ref _sent);
    }

    public void MessageTaken()
    {
        _takenCounter.Add(1);
        Interlocked.Increment(ref _taken);
    }

    /// <param name="local">This node's broker link: up, down, or not known yet.</param>
    /// <param name="connectedPeers">The addresses of the other nodes whose publisher announced itself connected.</param>
    public void Links(bool? local, IReadOnlyList<string> connectedPeers) => _links = new PublisherLinks(local, connectedPeers);

    public ClusterCounts Snapshot()
    {
        var links = _links;
        return new ClusterCounts(Interlocked.Read(ref _sent), Interlocked.Read(ref _taken), links.Local, links.ConnectedPeers);
    }

    public void Dispose() => _meter.Dispose();

    private sealed record PublisherLinks(bool? Local, IReadOnlyList<string> ConnectedPeers);
}

/// <summary>What crossed nodes since the start, and where a message could be published now.</summary>
public sealed record ClusterCounts(long MessagesSent, long MessagesTaken, bool? LocalLinkUp, IReadOnlyList<string> ConnectedPeers);
