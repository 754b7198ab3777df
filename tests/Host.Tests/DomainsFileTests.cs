using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The domains file that Postfix's front reads too: read at start, and again whenever it changes, without a restart.</summary>
public sealed class DomainsFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_domain_added_to_the_file_is_accepted_by_the_next_connection_without_a_restart()
    {
        var domains = _directory.File("domains");
        await File.WriteAllTextAsync(domains, "# trap domains\ntrap.example\n");
        var config = _directory.File("collector.yml");
        await File.WriteAllTextAsync(config, $"domains_file: {domains}\ndomains_poll_seconds: 0.2\nsink: file:{_directory.File("messages.jsonl")}\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config);

        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@sub.trap.example"));
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@new.example"));

        await File.WriteAllTextAsync(domains + ".new", "trap.example\nNEW.example\n");
        File.Move(domains + ".new", domains, overwrite: true);

        // Bounded by time, not tries (a try is a fresh connection, which takes about a millisecond): the file is polled
        // every 0.2 s, so 10 s is far more than enough.
        string reply = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!reply.StartsWith("250", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            reply = await RcptReplyAsync(collector, "x@new.example");
            if (!reply.StartsWith("250", StringComparison.Ordinal))
                await Task.Delay(50);
        }
        Assert.StartsWith("250 2.1.5", reply);
        Assert.Contains("trap domains reloaded", collector.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_removed_from_the_file_gets_250_during_the_grace_period_and_550_after_it()
    {
        var domains = _directory.File("domains");
        await File.WriteAllTextAsync(domains, "trap.example\nleaving.example\n");
        var config = _directory.File("collector.yml");
        // Grace short for the test, long enough that the RCPT right after the reload is well within it on a busy machine.
        await File.WriteAllTextAsync(config,
            $"domains_file: {domains}\ndomains_poll_seconds: 0.2\ndomains_grace_seconds: 3\nsink: file:{_directory.File("messages.jsonl")}\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config);

        await File.WriteAllTextAsync(domains + ".new", "trap.example\n");
        File.Move(domains + ".new", domains, overwrite: true);
        await WaitForOutputAsync(collector, "no longer listed but still accepted: leaving.example until");
        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@leaving.example"));

        // The collector says when the grace is over (it drops the domain then); from then on the domain is refused.
        await WaitForOutputAsync(collector, "grace over, no longer accepted: leaving.example");
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@leaving.example"));
        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@trap.example"));
    }

    [Fact]
    public async Task A_negative_grace_is_a_configuration_error()
    {
        var domains = _directory.File("domains");
        await File.WriteAllTextAsync(domains, "trap.example\n");
        var config = _directory.File("collector.yml");
        await File.WriteAllTextAsync(config, $"domains_file: {domains}\ndomains_grace_seconds: -1\n");

        var (exitCode, output) = await CollectorProcess.RunToEndAsync("lmtp", "--config", config, "--listen", "127.0.0.1:0");

        Assert.Equal(2, exitCode);
        Assert.Contains("domains_grace_seconds must be from 0 to 86400 seconds", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domains_file_that_cannot_be_read_stops_the_start_with_exit_code_2()
    {
        var config = _directory.File("collector.yml");
        await File.WriteAllTextAsync(config, $"domains_file: {_directory.File("missing")}\n");

        var (exitCode, output) = await CollectorProcess.RunToEndAsync("lmtp", "--config", config, "--listen", "127.0.0.1:0");

        Assert.Equal(2, exitCode);
        Assert.Contains("domains_file: cannot read", output, StringComparison.Ordinal);
    }

    private static async Task<string> RcptReplyAsync(CollectorProcess collector, string recipient)
    {
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        await client.SendAsync(System.Text.Encoding.UTF8.GetBytes($"MAIL FROM:<s@example.net>\r\nRCPT TO:<{recipient}>\r\n"));
        await client.ExpectAsync("250");
        return await client.ReadReplyAsync() ?? "closed";
    }

    /// <summary>Polls the collector's output (bounded) until it shows <paramref name="text"/>.</summary>
    private static async Task WaitForOutputAsync(CollectorProcess collector, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!collector.Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the collector never logged '{text}':\n{collector.Output}");
            await Task.Delay(20);
        }
    }

    public void Dispose() => _directory.Dispose();
}
