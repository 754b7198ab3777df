using System.CommandLine;
using System.Globalization;
using SmtpCollector.Actors.Sinks.Archive;
using SmtpCollector.Actors.Sources.Imap;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Hosting;

namespace SmtpCollector.Host.Cli;

/// <summary><c>smtp-collector imap -f FEED_CONFIG -m MAILBOX_CONFIG [-a] [-d] [-c]</c>: the original's IMAP collector's command line.</summary>
public static class ImapCommand
{
    public static Command Create()
    {
        var feed = new Option<FileInfo?>("--feed-config", "-f") { Description = "hpfeeds broker configuration (feed_config.yml); without it messages go to --sink" };
        // Not Required: a missing file is a configuration error (exit 2), not a parse error (exit 1, which means "not all published").
        var mailboxes = new Option<FileInfo?>("--mailbox-config", "-m") { Description = "YAML list of the mailboxes to read (README, \"The mailbox file\"); required" };
        var all = new Option<bool>("--fetch-all", "-a") { Description = "Collect every message in the folders (remembered in the state directory), not only the unseen ones" };
        var delete = new Option<bool>("--delete", "-d") { Description = "Delete each message once the sink has stored it (UID EXPUNGE)" };
        var continuous = new Option<bool>("--continuous-fetch", "-c") { Description = "Keep running and collect new mail as it arrives (IDLE, else polling); without it, one pass, then exit" };
        var archive = new Option<string?>("--archive") { Description = "Also archive every message in this Maildir (as lmtp's --maildir); a message counts as published, and is marked or deleted, only when both have it. Retention is the lmtp collector's (archive_max_age_days, archive_max_bytes) when they share it" };
        var sink = new Option<string?>("--sink", "-s") { Description = "Without -f: file:PATH (json lines, default file:messages.jsonl) or raw:DIR" };
        var state = new Option<string>("--state-dir") { Description = "Where each folder's published UIDs are kept (default imap-state)", DefaultValueFactory = _ => "imap-state" };
        var deadline = new Option<double>("--sink-deadline") { Description = "Seconds a message may wait for the sink before the pass gives up on it (default 30)", DefaultValueFactory = _ => 30 };

        var command = new Command("imap", "Collect spam from trap mailboxes over IMAP and publish it like the LMTP side does")
        {
            feed, mailboxes, all, delete, continuous, sink, archive, state, deadline,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            ImapOptions options;
            try
            {
                var seconds = parse.GetValue(deadline);
                if (seconds is <= 0 or > 86_400)
                    throw new ConfigException($"--sink-deadline must be between 0 and 86400 seconds, is {seconds.ToString(CultureInfo.InvariantCulture)}");
                var run = new ImapRunSettings
                {
                    FetchAll = parse.GetValue(all),
                    Delete = parse.GetValue(delete),
                    Continuous = parse.GetValue(continuous),
                    StateDirectory = Path.GetFullPath(parse.GetValue(state)!),
                    SinkDeadline = TimeSpan.FromSeconds(seconds),
                };
                var mailboxFile = parse.GetValue(mailboxes) ?? throw new ConfigException("imap needs --mailbox-config (-m) MAILBOX_CONFIG");
                options = new ImapOptions(
                    MailboxConfigLoader.Load(mailboxFile.FullName),
                    run,
                    SinkOptions.Parse(parse.GetValue(sink) ?? "file:messages.jsonl", envelope: true, "--sink"))
                {
                    Feed = parse.GetValue(feed) is { } feedFile ? FeedOptions.Load(feedFile.FullName) : null,
                    Archive = parse.GetValue(archive) is { } directory
                        ? new ArchiveOptions(directory.Length > 0 ? directory : throw new ConfigException("--archive needs a directory"), ArchiveRetentionSettings.None)
                        : null,
                };
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"smtp-collector: {ex.Message}");
                return 2;
            }
            return await ImapCollectorHost.RunAsync(options, cancellation);
        });
        return command;
    }
}
