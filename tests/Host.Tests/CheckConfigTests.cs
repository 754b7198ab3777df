using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>smtp-collector check-config, run as an operator (or a container entrypoint) would.</summary>
public sealed class CheckConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string text)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_valid_set_of_files_passes()
    {
        var config = Write("collector.yml", "listen: 127.0.0.1:2424\ndomains: [trap.example]\n");
        var feed = Write("feed.yml", "broker: \"127.0.0.1\"\nport: 10000\nidentity: writer\nsecret: s\nchannels: [spam.mails]\n");
        var domains = Write("domains", "# traps\ntrap.example\nother.example\n");
        var mailboxes = Write("mailboxes.yml", "- username: trap@example.org\n  password: p\n  protocol: imap\n  host: imap.example.org\n  port: 993\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", config, "--feed-config", feed, "--domains-file", domains,
            "--mailbox-config", mailboxes);
        Assert.True(exit == 0, output);
        Assert.Contains($"{config}: configuration ok", output, StringComparison.Ordinal);
        Assert.Contains($"{mailboxes}: mailbox file ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_broken_file_is_named_with_its_line_and_key_and_the_exit_is_1()
    {
        var config = Write("collector.yml", "listen: 127.0.0.1:2424\nmax_connections: lots\n");
        var feed = Write("feed.yml", "broker: \"127.0.0.1\"\nidentity: writer\nsecret: s\nchannels: [spam.mails]\nfrobnicate: 1\n");
        var domains = Write("domains", "trap.example\n\nbad..domain\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", config, "--feed-config", feed, "--domains-file", domains);
        Assert.Equal(1, exit);
        Assert.Contains($"{config}:2:", output, StringComparison.Ordinal);
        Assert.Contains("max_connections", output, StringComparison.Ordinal);
        Assert.Contains($"{feed}:5:1: unknown key 'frobnicate'", output, StringComparison.Ordinal);
        Assert.Contains($"{domains}:3:", output, StringComparison.Ordinal);
    }

    private const string Mailbox = "- username: u\n  password: p\n  host: imap.example.org\n  port: 993\n";

    /// <summary>One case per class of mistake in the mailbox file: each is named with its line, column, mailbox and key.</summary>
    [Theory]
    [InlineData("unknown key", Mailbox + "  colour: red\n", ":5:3: mailbox 1: 'colour' is not a known key")]
    [InlineData("missing key", "- username: u\n  password: p\n  port: 993\n", ":1:3: mailbox 1: 'host' is missing")]
    [InlineData("wrong value", "- username: u\n  password: p\n  host: h\n  port: imap\n", ":4:9: mailbox 1: 'port' is 'imap': a TCP port from 1 to 65535")]
    [InlineData("wrong shape", Mailbox + "  folders: {spam: yes}\n", ":5:12: mailbox 1: 'folders' must list at least one folder name")]
    [InlineData("no secret", "- username: u\n  host: h\n  port: 993\n", ":1:3: mailbox 1: give the password exactly once")]
    [InlineData("secret not set", "- username: u\n  password_env: SMTP_COLLECTOR_TEST_UNSET\n  host: h\n  port: 993\n", ":2:17: mailbox 1: 'password_env' names SMTP_COLLECTOR_TEST_UNSET, which is not set")]
    [InlineData("later entry", Mailbox + "- username: v\n  password: p\n  host: h\n  port: 143\n  tls: maybe\n", ":9:8: mailbox 2: 'tls' is 'maybe': implicit, starttls or none")]
    [InlineData("not a list", "username: u\nhost: h\n", ":1:1: the mailbox file must be a YAML list")]
    [InlineData("not YAML", "- username: [u\n  host: h\n", ": not valid YAML")]
    public async Task Each_mistake_in_the_mailbox_file_is_named_with_its_line_and_key_and_the_exit_is_1(string mistake, string yaml, string expected)
    {
        var mailboxes = Write("mailboxes.yml", yaml);
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--mailbox-config", mailboxes);
        Assert.True(exit == 1, $"{mistake}: exit {exit}: {output}");
        Assert.Contains(mailboxes + expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_out_of_range_is_named_with_its_line_and_key_as_a_parse_error_is()
    {
        var config = Write("collector.yml", "listen: 127.0.0.1:2424\nmax_connections: 0\n");
        var feed = Write("feed.yml", "broker: \"127.0.0.1\"\nidentity: writer\nsecret: s\nchannels: [spam.mails]\nwindow: 0\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", config, "--feed-config", feed);
        Assert.Equal(1, exit);
        Assert.Contains($"{config}:2:1: max_connections must be at least 1, is 0", output, StringComparison.Ordinal);
        Assert.Contains($"{feed}:5:1: window must be at least 1, is 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unclosed_list_is_a_problem_not_a_crash()
    {
        // YamlDotNet's scanner fails on this with an InvalidOperationException and no position.
        var config = Write("collector.yml", "domains: [trap.example\nlisten: 127.0.0.1:2424\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", config);
        Assert.True(exit == 1, output);
        Assert.Contains($"{config}: not valid YAML", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_problem_too()
    {
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", _temp.File("absent.yml"));
        Assert.Equal(1, exit);
        Assert.Contains("absent.yml", output, StringComparison.Ordinal);
    }
}
