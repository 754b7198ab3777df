using System.Diagnostics.Metrics;

namespace SmtpCollector.Actors.Telemetry;

/// <summary>Why an IMAP connection failed, as the errors counter labels it.</summary>
public enum ImapErrorCause
{
    Login,
    Tls,
    Connection,
}

/// <summary>
/// The IMAP collector's mailboxes (one entry per mailbox and folder, each its own connection and login), for the
/// metrics, <c>/readyz</c> and the status page. Made by the host from the configuration before any actor starts, so
/// that a folder not yet connected reads as down rather than missing. Each folder's actor writes its own entry
/// (<see cref="ImapFolderTelemetry"/>); the HTTP endpoint reads them: thread-safe.
/// </summary>
public sealed class ImapMailboxes
{
    private readonly IReadOnlyList<ImapFolderTelemetry> _folders;
    private readonly CollectorMetrics _metrics;

    /// <param name="folders">Every configured mailbox (its name, user@host:port: never the password) and folder.</param>
    public ImapMailboxes(CollectorMetrics metrics, IEnumerable<(string Mailbox, string Folder)> folders, TrapActivity? activity = null)
    {
        _metrics = metrics;
        MessagesFetched = metrics.Meter.CreateCounter<long>("smtp_collector.imap.messages.fetched", "{message}", "Messages fetched from an IMAP folder, per mailbox and folder");
        Errors = metrics.Meter.CreateCounter<long>("smtp_collector.imap.errors", "{error}", "IMAP connections that failed or were lost, per mailbox, folder and cause (login, tls, connection)");
        _folders = [.. folders.Select(f => new ImapFolderTelemetry(f.Mailbox, f.Folder, this, metrics, activity))];
        metrics.Meter.CreateObservableGauge("smtp_collector.imap.mailbox.up",
            () => _folders.Select(f => new Measurement<int>(f.LoggedIn ? 1 : 0, f.Tags)), "{connection}", "1 while the folder's connection is logged in, per mailbox and folder");
    }

    internal Counter<long> MessagesFetched { get; }

    internal Counter<long> Errors { get; }

    /// <summary>The entry of <paramref name="mailbox"/>'s <paramref name="folder"/>; null when it was not configured.</summary>
    public ImapFolderTelemetry? For(string mailbox, string folder) =>
        _folders.FirstOrDefault(f => f.Mailbox == mailbox && f.Folder == folder);

    public IReadOnlyList<ImapFolderStatus> Snapshot() => [.. _folders.Select(f => f.Status())];

    /// <summary>The IMAP series at 0 from the start (see <see cref="CollectorMetrics.StartSeries"/>).</summary>
    public void StartSeries()
    {
        _metrics.StartSeries(ImapFolderTelemetry.Source);
        foreach (var folder in _folders)
        {
            MessagesFetched.Add(0, folder.Tags);
            foreach (var cause in Enum.GetValues<ImapErrorCause>())
                Errors.Add(0, [.. folder.Tags, new("cause", cause.ToString().ToLowerInvariant())]);
        }
    }
}

/// <summary>One folder as the status page shows it. <paramref name="Mailbox"/> is user@host:port; nothing here is a secret.</summary>
public sealed record ImapFolderStatus(string Mailbox, string Folder, string State, bool LoggedIn, DateTimeOffset Since, string? LastError,
    long Fetched, long Published);
