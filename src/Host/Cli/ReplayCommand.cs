using System.CommandLine;
using System.Globalization;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Replay;

namespace SmtpCollector.Host.Cli;

/// <summary><c>smtp-collector replay --maildir DIR [--since TIME] [--until TIME] -f FEED_CONFIG</c>: publish archived messages again.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var maildir = new Option<string>("--maildir", "-m") { Description = "the archive (the collector's archive: maildir:DIR)", Required = true };
        var feed = new Option<FileInfo>("--feed-config", "-f") { Description = "hpfeeds broker configuration (feed_config.yml); its window and confirm apply", Required = true };
        var since = new Option<string?>("--since") { Description = "only messages received at or after TIME (ISO 8601; UTC unless it has an offset)" };
        var until = new Option<string?>("--until") { Description = "only messages received before TIME (ISO 8601; UTC unless it has an offset)" };
        var deadline = new Option<double>("--deadline-seconds") { Description = "how long one message may wait for the broker (default 60)", DefaultValueFactory = _ => 60 };
        var summary = new Option<bool>("--summary") { Description = "add the summary object, as the collector does with summary: true (so the payload is the one it published)" };
        var progress = new Option<double>("--progress-seconds") { Description = "a progress line this often (default 5)", DefaultValueFactory = _ => 5 };

        var command = new Command("replay", "Publish archived messages again, e.g. for a backend that was not subscribed while they came; exit 0 only when all went out")
        {
            maildir, feed, since, until, deadline, progress, summary,
        };
        command.SetAction(async parse =>
        {
            ReplayOptions options;
            try
            {
                options = new ReplayOptions(
                    parse.GetValue(maildir)!,
                    Time(parse.GetValue(since), "--since"),
                    Time(parse.GetValue(until), "--until"),
                    FeedOptions.Load(parse.GetValue(feed)!.FullName),
                    Seconds(parse.GetValue(deadline), "--deadline-seconds"),
                    Seconds(parse.GetValue(progress), "--progress-seconds"))
                {
                    Summary = parse.GetValue(summary),
                };
                if (!Directory.Exists(options.Maildir))
                    throw new ConfigException($"command line: --maildir {options.Maildir} is not a directory");
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"smtp-collector replay: {ex.Message}");
                return 2;
            }
            using var signals = new TerminationSignals();
            return await ArchiveReplay.RunAsync(options, signals.Token);
        });
        return command;
    }

    public static DateTimeOffset? Time(string? value, string flag)
    {
        if (value is null)
            return null;
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new ConfigException($"command line: {flag} '{value}' is not a time (e.g. 2026-12-05T10:00:00Z)");
    }

    private static TimeSpan Seconds(double value, string flag) =>
        value is > 0 and <= 86_400 ? TimeSpan.FromSeconds(value) : throw new ConfigException($"command line: {flag} must be between 0 and 86400, is {value}");
}
