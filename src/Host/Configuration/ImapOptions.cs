using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Imap;

namespace SmtpCollector.Host.Configuration;

/// <summary>The validated <c>imap</c> command: its mailboxes, the run's mode, and where messages go.</summary>
public sealed record ImapOptions(IReadOnlyList<MailboxSettings> Mailboxes, ImapRunSettings Run, SinkOptions Sink)
{
    /// <summary>Publish to this broker instead of the local sink (<c>-f</c>).</summary>
    public HpfeedsSettings? Feed { get; init; }

    /// <summary>Archive every message in this Maildir as well (<c>--archive</c>); a message is stored only when both have it.</summary>
    public ArchiveOptions? Archive { get; init; }
}
