using SmtpCollector.Actors.Sources.Imap;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Tests.Imap.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>The mailbox file (<c>-m</c>): the original's list reads as it is; every mistake names file, line and key.</summary>
public sealed class MailboxFileTests
{
    private const string Original = """
        --- # Mailbox configs
        - username:  "user@domain"
          password:  "secret"
          protocol: "imap"
          host: "mail.mailserver.com"
          port:  993
        - username:  "user@domain"
          password:  "secret"
          protocol: "imap"
          host: "mail.mailserver.com"
          port:  143
        """;

    [Fact]
    public void The_originals_file_reads_as_it_is_with_tls_from_the_port()
    {
        var mailboxes = MailboxConfigLoader.Parse(Original, "m.yml", ".");
        Assert.Equal(2, mailboxes.Count);
        Assert.Equal(ImapTls.Implicit, mailboxes[0].Tls);
        Assert.Equal(ImapTls.StartTls, mailboxes[1].Tls);
        Assert.Equal(["INBOX"], mailboxes[1].Folders);
    }

    [Fact]
    public async Task Every_added_key_reads()
    {
        Environment.SetEnvironmentVariable("IMAP_TEST_PASSWORD", "from-env");
        var mailboxes = MailboxConfigLoader.Parse("""
            - username: a
              password_env: IMAP_TEST_PASSWORD
              host: h
              port: 143
              tls: none
              folders: [INBOX, Junk, Spam]
              poll_seconds: 30
            - username: b
              auth: xoauth2
              token_command: "echo tok"
              host: imap.gmail.com
              port: 993
            """, "m.yml", ".");
        Assert.Equal(ImapTls.None, mailboxes[0].Tls);
        Assert.Equal(["INBOX", "Junk", "Spam"], mailboxes[0].Folders);
        Assert.Equal(TimeSpan.FromSeconds(30), mailboxes[0].PollInterval);
        Assert.Equal("from-env", await mailboxes[0].Secret(CancellationToken.None));
        Assert.Equal(ImapAuth.XOAuth2, mailboxes[1].Auth);
        Assert.Equal("tok", await mailboxes[1].Secret(CancellationToken.None));
    }

    [Theory]
    [InlineData("- username: a\n  password: p\n  port: 993\n", "m.yml:1:3:", "'host' is missing")]
    [InlineData("- username: a\n  password: p\n  host: h\n  port: 993\n- username: b\n  password: p\n  protocol: pop3\n  host: h\n  port: 995\n", "m.yml:7:13:", "mailbox 2: 'protocol' is 'pop3'")]
    [InlineData("- username: a\n  password: p\n  host: h\n  port: 99999\n", "m.yml:4:9:", "'port' is '99999'")]
    [InlineData("- username: a\n  password: p\n  host: h\n  port: 993\n  pasword: x\n", "m.yml:5:3:", "'pasword' is not a known key")]
    [InlineData("- username: a\n  password: p\n  host: h\n  port: 993\n  tls: auto\n", "m.yml:5:8:", "'tls' is 'auto'")]
    [InlineData("- username: a\n  host: h\n  port: 993\n", "m.yml:1:3:", "give the password exactly once")]
    [InlineData("username: a\n", "m.yml:1:1:", "must be a YAML list")]
    [InlineData("- username: [a\n", "m.yml:", "not valid YAML")]
    public void A_mistake_names_the_file_the_line_and_the_key(string yaml, string where, string what)
    {
        var error = Assert.Throws<ConfigException>(() => MailboxConfigLoader.Parse(yaml, "m.yml", "."));
        Assert.StartsWith(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(what, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_exits_2_with_the_error_on_a_bad_mailbox_file()
    {
        using var temp = new TempDirectory();
        var file = temp.File("mailboxes.yml");
        await File.WriteAllTextAsync(file, "- username: a\n  password: p\n  host: h\n  port: 993\n  protocol: pop3\n");
        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{file}:5:13: mailbox 1: 'protocol' is 'pop3'", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_mailbox_file_the_program_exits_2()
    {
        var run = await ImapCollectorProcess.RunAsync("--fetch-all");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--mailbox-config", run.Output, StringComparison.Ordinal);
    }
}
