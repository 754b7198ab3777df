using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Host.Hosting;

/// <summary>What the status page and <c>/api/status</c> show: the trap's activity, the broker link, memory in flight. No secrets: the
/// broker is named by address, never by identity or secret; an IMAP mailbox by user@host:port, never by its password.</summary>
public sealed record StatusReport(
    DateTimeOffset Now,
    DateTimeOffset Started,
    double SilenceWarningMinutes,
    bool Silent,
    DateTimeOffset? LastMessage,
    double? SecondsSinceLastMessage,
    int LastMinute,
    int LastHour,
    int LastDay,
    long Stored,
    long Deferred,
    long Refused,
    long InFlightBytes,
    long InFlightLimit,
    BrokerLink? Broker,
    int? Window,
    IReadOnlyList<MessageSeen> Recent,
    IReadOnlyList<KeyValuePair<string, int>> TopRecipientDomains,
    IReadOnlyList<KeyValuePair<string, int>> TopClientAddresses,
    LocalStore? Archive,
    LocalStore? Spool,
    IReadOnlyList<ImapFolderStatus>? ImapMailboxes,
    ClusterStatus? Cluster)
{
    /// <param name="archive">The Maildir archive, when there is one.</param>
    /// <param name="spool">The oversize spool, when messages are published (and so may be spooled).</param>
    /// <param name="budget">The LMTP side's memory for messages in flight; null for IMAP, which holds one message per folder.</param>
    /// <param name="imap">The IMAP collector's mailboxes; null for the LMTP collector.</param>
    /// <param name="cluster">The cluster as this node sees it; null for a single node.</param>
    public static StatusReport From(TrapActivity activity, CollectorMetrics metrics, InFlightBudget? budget, TimeSpan silenceWarning, int? window,
        DirectorySize? archive = null, DirectorySize? spool = null, ImapMailboxes? imap = null, ClusterStatus? cluster = null)
    {
        var seen = activity.Snapshot();
        var quietSince = seen.LastMessage ?? seen.Started;
        var since = seen.Now - quietSince;
        return new StatusReport(seen.Now, seen.Started, silenceWarning.TotalMinutes, since > silenceWarning, seen.LastMessage,
            seen.LastMessage is null ? null : Math.Round(since.TotalSeconds, 1), seen.LastMinute, seen.LastHour, seen.LastDay,
            seen.Stored, seen.Deferred, seen.Refused, budget?.Used ?? 0, budget?.Capacity ?? 0, metrics.Broker, window,
            seen.Recent, seen.TopDomains, seen.TopClients,
            archive is null ? null : LocalStore.From(archive, metrics.ArchivedSinceStart),
            spool is null ? null : LocalStore.From(spool, metrics.SpooledSinceStart), imap?.Snapshot(), cluster);
    }
}

/// <summary>
/// A directory the collector writes messages to (the archive, the oversize spool): what was written since the start, and
/// what is on disk (measured every <see cref="DirectorySize.MaxAge"/> at most; null until first measured).
/// </summary>
public sealed record LocalStore(string Directory, long MessagesSinceStart, long BytesSinceStart, long? FilesOnDisk, long? BytesOnDisk)
{
    public static LocalStore From(DirectorySize size, (long Messages, long Bytes) sinceStart)
    {
        var usage = size.Current();
        return new LocalStore(size.Path, sinceStart.Messages, sinceStart.Bytes, usage?.Files, usage?.Bytes);
    }
}
