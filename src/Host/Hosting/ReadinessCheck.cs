using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// Ready to take mail: the source is up (lmtp: the listener is bound; imap: every configured mailbox's folder is logged
/// in) and, where a broker is configured, the publisher has a connection to it (without one every message would get
/// 451, so Postfix had better keep the mail, or try another collector; IMAP mail would stay unmarked).
/// </summary>
/// <param name="imap">The IMAP collector's mailboxes; null for the LMTP collector.</param>
public sealed class ReadinessCheck(ActorRegistry registry, bool publishes, ImapMailboxes? imap = null) : IHealthCheck
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (up, source) = imap is null ? await LmtpAsync(cancellationToken) : Mailboxes(imap);
        if (!up)
            return HealthCheckResult.Unhealthy(source);
        if (!publishes)
            return HealthCheckResult.Healthy(source);
        if (!registry.TryGet<Publisher>(out var publisher))
            return HealthCheckResult.Unhealthy("the publisher is not started");
        var status = await publisher.Ask<PublisherStatus>(new GetPublisherStatus(), AskTimeout, cancellationToken);
        return status.Connected
            ? HealthCheckResult.Healthy($"{source}, broker connected")
            : HealthCheckResult.Unhealthy("no broker connection: messages would get 451");
    }

    private async Task<(bool Up, string Description)> LmtpAsync(CancellationToken cancellation)
    {
        if (!registry.TryGet<LmtpListener>(out var listener))
            return (false, "the LMTP listener is not started");
        return await listener.Ask<object>(new GetBinding(), AskTimeout, cancellation) is ListenerBound bound
            ? (true, $"LMTP on {bound.LocalAddress}")
            : (false, "the LMTP listener is not bound");
    }

    // Read from the folders' own reports, not asked of their actors: a folder waiting out a login timeout answers nothing.
    private static (bool Up, string Description) Mailboxes(ImapMailboxes imap)
    {
        var down = imap.Snapshot().Where(f => !f.LoggedIn).Select(f => $"{f.Mailbox}/{f.Folder}").ToList();
        return down.Count == 0
            ? (true, "every IMAP mailbox logged in")
            : (false, $"not logged in: {string.Join(", ", down)}");
    }
}
