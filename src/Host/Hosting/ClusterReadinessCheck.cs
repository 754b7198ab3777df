using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmtpCollector.Actors.Sinks;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// A cluster node is ready for mail when it is an Up member of the cluster and some publisher in the cluster (its own or
/// a peer's) is connected: a node whose own broker link is down still confirms mail through its peers. Alongside
/// <see cref="ReadinessCheck"/>, which then checks only the LMTP listener.
/// </summary>
public sealed class ClusterReadinessCheck(ActorSystem system, PublishingAvailability publishing) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfMember;
        return Task.FromResult(self.Status != MemberStatus.Up ? HealthCheckResult.Unhealthy($"cluster member {self.Address} is {self.Status}, not Up")
            : !publishing.Available ? HealthCheckResult.Unhealthy("no publisher connected anywhere in the cluster: MAIL gets 451")
            : HealthCheckResult.Healthy($"cluster member {self.Address} is Up, a publisher is connected"));
    }
}
