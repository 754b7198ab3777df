using System.Text;
using SmtpCollector.EndToEnd.Tests.Support;
using Xunit;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>Postfix's queue is the buffer: while the collector or the broker is away, mail waits there, and none is lost.</summary>
public sealed class CollectorOutageTests(TrapStack stack) : IClassFixture<TrapStack>
{
    [Fact]
    public async Task Mail_sent_while_the_collector_is_down_waits_in_postfix_and_all_arrives_after_it_is_back()
    {
        await stack.StopCollectorAsync();
        var tokens = await Outage.SendAsync(stack, 5);
        await stack.Postfix.WaitForLogAsync(log => Outage.DeferredCount(log, tokens) == tokens.Length, "every message deferred");
        Assert.False(await stack.Postfix.QueueIsEmptyAsync());

        await stack.StartCollectorAsync();

        await Outage.AssertAllArrivedOnceAsync(stack, tokens);
    }
}

public sealed class BrokerOutageTests(TrapStack stack) : IClassFixture<TrapStack>
{
    [Fact]
    public async Task Mail_sent_while_the_broker_is_down_is_deferred_by_451_and_all_arrives_after_it_is_back()
    {
        await stack.StopBrokerAsync();
        var tokens = await Outage.SendAsync(stack, 5);
        var log = await stack.Postfix.WaitForLogAsync(l => Outage.DeferredCount(l, tokens) == tokens.Length, "every message deferred");
        Assert.Contains("said: 451 4.4.3", log, StringComparison.Ordinal);

        await stack.StartBrokerAsync();

        await Outage.AssertAllArrivedOnceAsync(stack, tokens);
    }
}

internal static class Outage
{
    public static async Task<string[]> SendAsync(TrapStack stack, int count)
    {
        var tokens = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        foreach (var token in tokens)
        {
            var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nwait for me\r\n"),
                "spammer@evil.example", $"{token}@trap.example");
            Assert.StartsWith("250", replies[^2], StringComparison.Ordinal);
        }
        return tokens;
    }

    /// <summary>Messages for these tokens' recipients that Postfix has logged as deferred.</summary>
    public static int DeferredCount(string log, string[] tokens) =>
        tokens.Count(token => log.Split('\n').Any(line => line.Contains($"to=<{token}@trap.example>", StringComparison.Ordinal)
            && line.Contains("status=deferred", StringComparison.Ordinal)));

    public static async Task AssertAllArrivedOnceAsync(TrapStack stack, string[] tokens)
    {
        // "status=deferred" is logged before the queue manager has moved the message to the deferred queue, and a flush
        // in between finds nothing to retry (the next retry would be 300 s away): flush until all is through (bounded).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!tokens.All(t => stack.Published.Any(p => p.Text.Contains(t, StringComparison.Ordinal))) && DateTime.UtcNow < deadline)
        {
            await stack.Postfix.FlushAsync();
            await Task.Delay(500);
        }
        var published = await stack.WaitForPublishedAsync(p => tokens.Any(t => p.Text.Contains(t, StringComparison.Ordinal)), tokens.Length);
        foreach (var token in tokens)
            Assert.Single(published, p => p.Text.Contains(token, StringComparison.Ordinal));
        await stack.Postfix.WaitForEmptyQueueAsync();
    }
}
