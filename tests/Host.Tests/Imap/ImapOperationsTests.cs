using System.Net;
using System.Text;
using System.Text.Json;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>The imap command's HTTP endpoint with real Dovecot: exact IMAP counters, /readyz and `health` following the
/// mailboxes' logins, and the mailboxes on the status page and /api/status, never their passwords.</summary>
public sealed class ImapOperationsTests
{
    private const string Password = "pw-<b>never-shown</b>";
    private const string WrongPassword = "wrong-pw-never-shown";

    [Fact]
    public async Task After_known_messages_the_imap_counters_are_exact_and_readyz_and_health_follow_dovecot_stopping_and_starting()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = Password });
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", Password);
        using var temp = new TempDirectory();
        byte[][] messages = [.. Enumerable.Range(1, 3).Select(i => Encoding.ASCII.GetBytes($"Subject: counted {i}\r\nFrom: s{i}@example.net\r\n\r\nbody {i}\r\n"))];
        foreach (var bytes in messages)
            await mailbox.AppendAsync(bytes);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", Password));
        var http = MetricsScrape.FreePort();
        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c", "--http", $"127.0.0.1:{http}"));
        var name = $"trap1@127.0.0.1:{dovecot.PlainPort}";

        // Published means the sink wrote it; the folder counts it once the sink's answer is back: wait for that.
        var folder = await WaitForFolderAsync(http, name, f => f.GetProperty("published").GetInt64() == messages.Length, () => collector.Output);
        Assert.Equal("INBOX", folder.GetProperty("folder").GetString());
        Assert.Equal("logged in", folder.GetProperty("state").GetString());
        Assert.Equal(messages.Length, folder.GetProperty("fetched").GetInt64());

        var metrics = await MetricsScrape.GetAsync(http, "/metrics");
        Assert.Equal(3, MetricsScrape.Sum(metrics, "smtp_collector_messages_received_total", "source=imap"));
        Assert.Equal(messages.Sum(m => m.Length), MetricsScrape.Sum(metrics, "smtp_collector_received_bytes_total", "source=imap"));
        Assert.Equal(3, MetricsScrape.Sum(metrics, "smtp_collector_messages_stored_total", "source=imap", "sink=file"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_messages_not_stored_total"));
        Assert.Equal(3, MetricsScrape.Sum(metrics, "smtp_collector_imap_messages_fetched_total", $"mailbox={name}", "folder=INBOX"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_imap_mailbox_up", $"mailbox={name}", "folder=INBOX"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_imap_errors_total"));
        // Each cause's series is there at 0 from the start, and the LMTP side's are not (this process has none).
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("smtp_collector_imap_errors_total{", StringComparison.Ordinal)
            && line.Contains("cause=\"login\"", StringComparison.Ordinal) && line.Contains($"mailbox=\"{name}\"", StringComparison.Ordinal));
        Assert.DoesNotContain("source=\"lmtp\"", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await MetricsScrape.StatusAsync(http, "/readyz"));
        Assert.DoesNotContain("never-shown", await MetricsScrape.GetAsync(http, "/api/status"), StringComparison.Ordinal);

        var page = await MetricsScrape.GetAsync(http, "/");
        Assert.Contains("<h2>IMAP mailboxes</h2>", page, StringComparison.Ordinal);
        Assert.Contains($"<td>{name}</td><td>INBOX</td><td>logged in</td>", page, StringComparison.Ordinal);
        Assert.Contains("counted 3", page, StringComparison.Ordinal); // the last messages, as for LMTP
        // In an IMAP source's words, not in LMTP replies: nothing here answers 250 or 4xx.
        Assert.Contains("Published / left for the next pass / too large", page, StringComparison.Ordinal);
        Assert.DoesNotContain("(250)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown", page, StringComparison.Ordinal);
        Assert.Equal(0, (await CollectorProcess.RunToEndAsync("health", "--http", $"http://127.0.0.1:{http}")).ExitCode);

        // Dovecot gone: the IDLE connection is cut, the folder is down until it can log in again.
        await dovecot.StopAsync();
        Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15)), collector.Output);
        var (exit, output) = await CollectorProcess.RunToEndAsync("health", "--http", $"127.0.0.1:{http}");
        Assert.True(exit == 1, output);
        metrics = await MetricsScrape.GetAsync(http, "/metrics");
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_imap_mailbox_up"));
        // The cut connection at least; a reconnect may meet a Dovecot half stopped, which can refuse the login as well.
        Assert.True(MetricsScrape.Sum(metrics, "smtp_collector_imap_errors_total", $"mailbox={name}") >= 1, metrics);
        var down = JsonDocument.Parse(await MetricsScrape.GetAsync(http, "/api/status")).RootElement.GetProperty("imap_mailboxes")[0];
        Assert.False(down.GetProperty("logged_in").GetBoolean());
        Assert.NotNull(down.GetProperty("last_error").GetString());

        await dovecot.StartAgainAsync();
        Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(20)), collector.Output);
        Assert.Equal(1, MetricsScrape.Sum(await MetricsScrape.GetAsync(http, "/metrics"), "smtp_collector_imap_mailbox_up"));
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_mailbox_that_cannot_log_in_keeps_the_collector_unready_and_is_on_the_status_page_without_its_password()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = Password, ["trap2"] = "the-right-one" });
        using var temp = new TempDirectory();
        var file = MailboxFile.Write(temp,
            MailboxFile.Entry(dovecot.PlainPort, "trap1", Password),
            MailboxFile.Entry(dovecot.PlainPort, "trap2", WrongPassword));
        var http = MetricsScrape.FreePort();
        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c", "--http", $"127.0.0.1:{http}"));
        var good = $"trap1@127.0.0.1:{dovecot.PlainPort}";
        var refused = $"trap2@127.0.0.1:{dovecot.PlainPort}";

        await WaitForFolderAsync(http, good, f => f.GetProperty("logged_in").GetBoolean(), () => collector.Output);
        var trap2 = await WaitForFolderAsync(http, refused, f => f.GetProperty("state").GetString() == "login refused", () => collector.Output);
        Assert.Contains("login refused", trap2.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await MetricsScrape.StatusAsync(http, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, await MetricsScrape.StatusAsync(http, "/healthz"));

        var metrics = await MetricsScrape.GetAsync(http, "/metrics");
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_imap_mailbox_up", $"mailbox={good}"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_imap_mailbox_up", $"mailbox={refused}"));
        Assert.True(MetricsScrape.Sum(metrics, "smtp_collector_imap_errors_total", $"mailbox={refused}", "cause=login") >= 1, metrics);
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_imap_errors_total", $"mailbox={good}"));

        var status = await MetricsScrape.GetAsync(http, "/api/status");
        var dom = await HeadlessChromium.DumpDomAsync($"http://127.0.0.1:{http}/");
        Assert.Contains($"<td>{refused}</td><td>INBOX</td><td><b>login refused</b></td>", dom, StringComparison.Ordinal);
        Assert.Contains($"<td>{good}</td><td>INBOX</td><td>logged in</td>", dom, StringComparison.Ordinal);
        // Neither password: the marker is outside the good one's markup, so it would show raw or HTML-encoded alike.
        foreach (var shown in new[] { status, dom, metrics })
            Assert.DoesNotContain("never-shown", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_address_in_use_is_one_line_on_stderr_and_exit_2_before_any_mailbox_is_contacted()
    {
        using var temp = new TempDirectory();
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var file = MailboxFile.Write(temp, MailboxFile.Entry(MetricsScrape.FreePort(), "trap1", Password));

        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "--http", $"127.0.0.1:{port}"));
        Assert.True(run.ExitCode == 2, run.Output);
        Assert.Equal($"smtp-collector: cannot listen for HTTP on 127.0.0.1:{port}: Address already in use (--http ADDRESS:PORT, or none)", run.Output.Trim());
    }

    /// <summary>Polls /api/status (bounded) until the mailbox's INBOX entry satisfies <paramref name="done"/>; returns it.</summary>
    private static async Task<JsonElement> WaitForFolderAsync(int http, string mailbox, Func<JsonElement, bool> done, Func<string> context)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await MetricsScrape.GetAsync(http, "/api/status");
                var folder = JsonDocument.Parse(last).RootElement.GetProperty("imap_mailboxes").EnumerateArray()
                    .Single(f => f.GetProperty("mailbox").GetString() == mailbox);
                if (done(folder))
                    return folder.Clone();
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{mailbox} not as expected within 30 s: {last}\n{context()}");
    }
}
