using System.CommandLine;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Cli;

/// <summary>
/// <c>smtp-collector check-config [--config FILE] [--feed-config FILE] [--mailbox-config FILE] [--domains-file FILE]</c>: validates each file
/// as the collector would read it, prints every problem (file, line and key where the file has them), exit 1 when there
/// is any, 0 when all are valid. The containers run it before starting, so a broken file stops a deployment, not mail.
/// </summary>
public static class CheckConfigCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "the collector's YAML configuration" };
        var feed = new Option<FileInfo?>("--feed-config", "-f") { Description = "the hpfeeds broker configuration (feed_config.yml)" };
        var mailboxes = new Option<FileInfo?>("--mailbox-config", "-m") { Description = "the IMAP side's mailbox file (a YAML list of mailboxes)" };
        var domains = new Option<FileInfo?>("--domains-file", "-d") { Description = "a trap domains file (one domain per line, # comments)" };
        var command = new Command("check-config", "Check configuration files without starting anything: every problem with its file, line and key; exit 1 when there is one")
        {
            config, feed, mailboxes, domains,
        };
        command.SetAction(async parse =>
        {
            var checks = new List<(string What, FileInfo File, Action<string> Check)>();
            if (parse.GetValue(config) is { } configFile)
                checks.Add(("configuration", configFile, path => LmtpCommand.LoadOptions(new FileInfo(path), null, null)));
            if (parse.GetValue(feed) is { } feedFile)
                checks.Add(("feed configuration", feedFile, path => FeedOptions.Load(path)));
            if (parse.GetValue(mailboxes) is { } mailboxFile)
                checks.Add(("mailbox file", mailboxFile, path => MailboxConfigLoader.Load(path)));
            if (parse.GetValue(domains) is { } domainsFile)
                checks.Add(("domains file", domainsFile, DomainsFileCheck.Check));
            if (checks.Count == 0)
            {
                await Console.Error.WriteLineAsync("smtp-collector check-config: name at least one file (--config, --feed-config, --mailbox-config, --domains-file)");
                return 2;
            }
            var problems = 0;
            foreach (var (what, file, check) in checks)
            {
                try
                {
                    check(file.FullName);
                    Console.WriteLine($"{file.FullName}: {what} ok");
                }
                catch (ConfigException ex)
                {
                    problems++;
                    await Console.Error.WriteLineAsync(ex.Message);
                }
            }
            return problems == 0 ? 0 : 1;
        });
        return command;
    }
}
