using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>SIGHUP, sent with kill(1) to the real process: the trap domains, the log level and the feed configuration are read again.</summary>
public sealed class ReloadTests : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_SIGHUP_during_a_steady_stream_of_deliveries_loses_nothing_and_applies_the_new_domain_list()
    {
        var domains = _directory.File("domains");
        await File.WriteAllTextAsync(domains, "trap.example\nold.example\n");
        var sink = _directory.File("messages.jsonl");
        var config = _directory.File("collector.yml");
        // The file is polled once an hour here: only the SIGHUP can make the collector read it during the test.
        await File.WriteAllTextAsync(config, Config(domains, sink, "fixed.example"));
        await using var collector = await CollectorProcess.StartAsync("--config", config);
        Assert.StartsWith("250", await RcptReplyAsync(collector, "x@old.example"));
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@new.example"));

        // Four sessions deliver one message after another until told to stop; every answer is kept.
        var answers = new ConcurrentBag<(string Sha256, string Reply)>();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var message = Encoding.ASCII.GetBytes($"Subject: stream {sender}.{i}\r\n\r\nbody {sender}.{i} {Guid.NewGuid()}\r\n");
                var reply = (await client.DeliverAsync(message, "x@trap.example"))[0];
                answers.Add((Convert.ToHexStringLower(SHA256.HashData(message)), reply));
            }
        })).ToArray();
        await UntilAsync(() => answers.Count >= 40, "40 deliveries before the reload");

        await File.WriteAllTextAsync(domains + ".new", "trap.example\nnew.example\n");
        File.Move(domains + ".new", domains, overwrite: true);
        await File.WriteAllTextAsync(config, Config(domains, sink, "added.example"));
        await collector.SignalAsync("HUP");
        var reloaded = await collector.WaitForLineAsync("reloaded on SIGHUP", Within);
        var atReload = answers.Count;
        await UntilAsync(() => answers.Count >= atReload + 40, "40 deliveries after the reload");
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        Assert.All(answers, answer => Assert.StartsWith("250 2.0.0", answer.Reply));
        var stored = StoredPayload.ReadAll(sink).Select(p => p.Sha256).ToHashSet();
        Assert.All(answers, answer => Assert.Contains(answer.Sha256, stored));
        Assert.Matches(@" INFO SmtpCollector\.Reload: reloaded on SIGHUP: .*trap domains added: (new\.example, added\.example|added\.example, new\.example).*trap domains removed: (old\.example, fixed\.example|fixed\.example, old\.example)", reloaded);

        // With no grace (domains_grace_seconds: 0) the removed domains are refused at once.
        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@new.example"));
        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@added.example"));
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@old.example"));
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@fixed.example"));
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_reload_with_a_broken_file_keeps_the_old_configuration_and_says_which_file_line_and_key()
    {
        var domains = _directory.File("domains");
        await File.WriteAllTextAsync(domains, "trap.example\n");
        var config = _directory.File("collector.yml");
        await File.WriteAllTextAsync(config, Config(domains, _directory.File("messages.jsonl"), "fixed.example"));
        await using var collector = await CollectorProcess.StartAsync("--config", config);

        // A wrong value on line 4 of the configuration, beside a domain that would be new.
        await File.WriteAllTextAsync(config, Config(domains, _directory.File("messages.jsonl"), "added.example").Replace("domains_grace_seconds: 0", "domains_grace_seconds: soon", StringComparison.Ordinal));
        await collector.SignalAsync("HUP");
        var warning = await collector.WaitForLineAsync("reload on SIGHUP refused", Within);
        Assert.Matches($@" WARN SmtpCollector\.Reload: reload on SIGHUP refused, the configuration is kept as it was: {System.Text.RegularExpressions.Regex.Escape(config)}:4:\d+: invalid value for 'domains_grace_seconds'", warning);
        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@fixed.example"));
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@added.example"));

        // A bad line in the domains file: named by its number, and the file's old list stays too.
        await File.WriteAllTextAsync(config, Config(domains, _directory.File("messages.jsonl"), "fixed.example"));
        await File.WriteAllTextAsync(domains, "new.example\nbad..domain\n");
        await collector.SignalAsync("HUP");
        warning = await collector.WaitForLineAsync("reload on SIGHUP refused", Within, count: 2);
        Assert.Contains($"{domains}:2: ", warning, StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.5", await RcptReplyAsync(collector, "x@trap.example"));
        Assert.StartsWith("550 5.1.2", await RcptReplyAsync(collector, "x@new.example"));
        Assert.Empty(collector.Lines("reloaded on SIGHUP"));
    }

    [Fact]
    public async Task A_changed_feed_configuration_moves_publishing_to_another_broker_and_the_message_in_flight_gets_its_answer()
    {
        await using var first = await FeedBroker.StartAsync();
        await using var second = await FeedBroker.StartAsync();
        var feed = _directory.File("feed.yml");
        await File.WriteAllTextAsync(feed, FeedConfig(first.Broker.Port));
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed);
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message("before"), "x@trap.example"))[0]);
        await first.Subscriber.WaitForAsync(1, Within);

        // The first broker takes the next message but never passes it (nor the confirmation marker) on: the message is in
        // flight, unconfirmed, its session waiting for the answer.
        first.Broker.DropPublishesAfter(0);
        var during = Message("during");
        var duringReply = client.DeliverAsync(during, "x@trap.example");
        await first.Broker.WaitForPublishesAsync("spam.mails", 2, Within);
        Assert.False(duringReply.IsCompleted);

        await File.WriteAllTextAsync(feed, FeedConfig(second.Broker.Port));
        await collector.SignalAsync("HUP");
        Assert.StartsWith("250 2.0.0", (await duringReply.WaitAsync(Within))[0]);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message("after"), "x@trap.example"))[0]);

        var published = await second.Subscriber.WaitForAsync(2, Within);
        Assert.Equal([Sha256(during), Sha256(Message("after"))], published.Take(2).Select(p => JsonDocument.Parse(p.Payload).RootElement.GetProperty("sha256").GetString()));
        Assert.Single(first.Subscriber.Received);
        var reloaded = await collector.WaitForLineAsync("reloaded on SIGHUP", Within);
        Assert.Contains($"feed: broker 127.0.0.1:{first.Broker.Port} -> 127.0.0.1:{second.Broker.Port}, reconnecting", reloaded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_log_level_applies_from_the_reload_on()
    {
        var config = _directory.File("collector.yml");
        await File.WriteAllTextAsync(config, $"log_level: information\nsink: file:{_directory.File("messages.jsonl")}\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config);
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message("one"), "x@trap.example"))[0]);
        await collector.WaitForLineAsync(" INFO SmtpCollector.Messages: ", Within);

        await File.WriteAllTextAsync(config, $"log_level: warning\nsink: file:{_directory.File("messages.jsonl")}\n");
        await collector.SignalAsync("HUP");
        Assert.Contains("reloaded on SIGHUP: log_level information -> warning", await collector.WaitForLineAsync("reloaded on SIGHUP", Within), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message("two"), "x@trap.example"))[0]);

        await File.WriteAllTextAsync(config, $"log_level: debug\nsink: file:{_directory.File("messages.jsonl")}\n");
        await collector.SignalAsync("HUP");
        Assert.Contains("reloaded on SIGHUP: log_level warning -> debug", await collector.WaitForLineAsync("reloaded on SIGHUP", Within, count: 2), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message("three"), "x@trap.example"))[0]);
        await collector.WaitForLineAsync(" INFO SmtpCollector.Messages: ", Within, count: 2);

        // The message line of "two", between the reloads, was not written at warning.
        var lines = collector.Lines(" INFO SmtpCollector.Messages: ");
        Assert.Equal(2, lines.Count);
        Assert.EndsWith("subject=three", lines[1], StringComparison.Ordinal);
    }

    private static string Config(string domainsFile, string sink, string fixedDomain) =>
        $"domains_file: {domainsFile}\ndomains_poll_seconds: 3600\ndomains: [{fixedDomain}]\ndomains_grace_seconds: 0\nsink: file:{sink}\n";

    private static string FeedConfig(int port) =>
        $"broker: 127.0.0.1\nport: {port}\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nconfirm: true\nconfirm_channel: writer.confirm\nmin_backoff_seconds: 0.1\nmax_backoff_seconds: 1\n";

    private static byte[] Message(string name) => Encoding.ASCII.GetBytes($"Subject: {name}\r\n\r\n{name}\r\n");

    private static string Sha256(byte[] message) => Convert.ToHexStringLower(SHA256.HashData(message));

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {what} within {Within}");
            await Task.Delay(10);
        }
    }

    private static async Task<string> RcptReplyAsync(CollectorProcess collector, string recipient)
    {
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        await client.SendAsync($"MAIL FROM:<s@example.net>\r\nRCPT TO:<{recipient}>\r\n");
        await client.ExpectAsync("250");
        return await client.ReadReplyAsync() ?? "closed";
    }

    public void Dispose() => _directory.Dispose();
}
