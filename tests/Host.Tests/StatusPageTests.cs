using System.Net;
using System.Text;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The status page in real headless Chromium: the silence warning, then the live numbers, with a hostile subject shown as text.</summary>
public sealed class StatusPageTests
{
    [Fact]
    public async Task The_page_warns_of_silence_then_shows_the_message_and_a_script_in_its_subject_only_as_text()
    {
        using var temp = new TempDirectory();
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, "silence_warning_minutes: 0.02\n");
        var http = MetricsScrape.FreePort();
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--sink", $"file:{temp.File("m.jsonl")}", "--http", $"127.0.0.1:{http}");
        var page = $"http://127.0.0.1:{http}/";

        Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(15)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(await MetricsScrape.GetAsync(http, "/api/status")).Contains("\"silent\":true", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        var silent = await HeadlessChromium.DumpDomAsync(page);
        Assert.Contains("id=\"silence\"", silent, StringComparison.Ordinal);
        Assert.Contains("The trap is silent: no message since the start", silent, StringComparison.Ordinal);

        var message = Encoding.ASCII.GetBytes("Subject: <script>document.title='pwned'</script> cheap pills\r\n\r\nbuy\r\n");
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
        {
            await client.SendAsync("XFORWARD ADDR=192.0.2.7 HELO=spammer.example\r\n");
            await client.ExpectAsync("250");
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "victim@trap.example"))[0]);
        }

        var dom = await HeadlessChromium.DumpDomAsync(page);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(message));
        Assert.Contains(sha256, dom, StringComparison.Ordinal);
        // Arriving or silent again (the warning comes after 1.2 s here): either way it now tells the last message's age.
        Assert.Contains("last message ", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("no message since the start", dom, StringComparison.Ordinal);
        Assert.Contains(">1 / 1 / 1<", dom, StringComparison.Ordinal);
        Assert.Contains("192.0.2.7", dom, StringComparison.Ordinal);
        Assert.Contains("spammer.example", dom, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;document.title='pwned'&lt;/script&gt; cheap pills", dom, StringComparison.Ordinal);
        Assert.Contains("<title>smtp-collector status</title>", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("pwned</title>", dom, StringComparison.Ordinal);
    }
}
