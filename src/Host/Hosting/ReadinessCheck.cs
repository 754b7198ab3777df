using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Lmtp;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// Ready to take mail: the LMTP listener is bound and, where a broker is configured, the publisher has a connection to
/// it (without one every message would get 451, so Postfix had better keep the mail, or try another collector).
/// </summary>
public sealed class ReadinessCheck(ActorRegistry registry, bool publishes) : IHealthCheck
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!registry.TryGet<LmtpListener>(out var listener))
            return HealthCheckResult.Unhealthy("the LMTP listener is not started");
        if (await listener.Ask<object>(new GetBinding(), AskTimeout, cancellationToken) is not ListenerBound bound)
            return HealthCheckResult.Unhealthy("the LMTP listener is not bound");
        if (!publishes)
            return HealthCheckResult.Healthy($"LMTP on {bound.LocalAddress}");
        if (!registry.TryGet<Publisher>(out var publisher))
            return HealthCheckResult.Unhealthy("the publisher is not started");
        var status = await publisher.Ask<PublisherStatus>(new GetPublisherStatus(), AskTimeout, cancellationToken);
        return status.Connected
            ? HealthCheckResult.Healthy($"LMTP on {bound.LocalAddress}, broker connected")
            : HealthCheckResult.Unhealthy("no broker connection: messages would get 451");
    }
}
