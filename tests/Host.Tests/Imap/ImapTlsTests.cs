using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>TLS as configured, never silently less: implicit and STARTTLS with a CA file; no STARTTLS or a wrong name fails.</summary>
public sealed class ImapTlsTests
{
    private static readonly Dictionary<string, string> Users = new() { ["trap1"] = "secret1" };

    [Fact]
    public async Task Implicit_tls_and_starttls_with_the_servers_ca_file_collect()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users, tls: true);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var message = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).ElementAt(9).Bytes;
        await mailbox.AppendAsync(message);
        var file = MailboxFile.Write(temp,
            MailboxFile.Entry(dovecot.TlsPort, "trap1", "secret1", tls: "implicit", caFile: dovecot.CertificateFile),
            MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1", tls: "starttls", caFile: dovecot.CertificateFile));

        // -a: each entry has a state of its own, so both publish the message.
        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-a"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([TrapCorpus.Sha256(message), TrapCorpus.Sha256(message)], StoredPayload.ReadAll(MailboxFile.Published(temp)).Select(p => p.Sha256));
    }

    [Fact]
    public async Task Starttls_against_a_server_without_it_fails_clearly_and_never_logs_in_in_plain_text()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users, tls: false);
        using var temp = new TempDirectory();
        // Delivered without logging in, so that any login in Dovecot's log would be the collector's.
        dovecot.DeliverToMaildir("trap1", TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).ElementAt(10).Bytes);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1", tls: "starttls"));

        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Contains("STARTTLS", run.Output, StringComparison.Ordinal);
        Assert.Empty(StoredPayload.ReadAll(MailboxFile.Published(temp)));
        Assert.DoesNotContain("user=<trap1>", dovecot.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("implicit")]
    [InlineData("starttls")]
    public async Task A_certificate_for_another_name_is_refused(string tls)
    {
        await using var dovecot = await DovecotServer.StartAsync(Users, tls: true, certificateAltName: "DNS:imap.other.example");
        using var temp = new TempDirectory();
        var port = tls == "implicit" ? dovecot.TlsPort : dovecot.PlainPort;
        var file = MailboxFile.Write(temp, MailboxFile.Entry(port, "trap1", "secret1", tls: tls, caFile: dovecot.CertificateFile));

        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Contains("TLS failed", run.Output, StringComparison.Ordinal);
    }
}
