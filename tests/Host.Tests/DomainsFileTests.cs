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

    public void Dispose() => _directory.Dispose();
}
