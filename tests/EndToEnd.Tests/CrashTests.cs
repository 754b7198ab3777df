using System.Text;
using SmtpCollector.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>
/// A steady stream of mail through real Postfix while the collector is killed (kill -9) or the broker stopped, three
/// times each: every message Postfix accepted reaches the subscriber; duplicates are allowed (at-least-once) and counted.
/// </summary>
public sealed class CollectorCrashTests(TrapStack stack, ITestOutputHelper output) : IClassFixture<TrapStack>
{
    [Fact]
    public async Task Every_accepted_message_arrives_although_the_collector_is_killed_three_times() =>
        await Crashes.RunAsync(stack, output, "collector kill -9", async () =>
        {
            await stack.KillCollectorAsync();
            await stack.StartCollectorAsync();
        });
}

public sealed class BrokerCrashTests(TrapStack stack, ITestOutputHelper output) : IClassFixture<TrapStack>
{
    [Fact]
    public async Task Every_accepted_message_arrives_although_the_broker_is_stopped_three_times() =>
        await Crashes.RunAsync(stack, output, "broker stop", async () =>
        {
            await stack.StopBrokerAsync();
            await stack.StartBrokerAsync();
        });
}

internal static class Crashes
{
    private const int Messages = 150;

    public static async Task RunAsync(TrapStack stack, ITestOutputHelper output, string fault, Func<Task> crash)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var accepted = new List<string>();
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                var token = $"{run}-{i:D4}";
                var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nsteady stream\r\n"),
                    "spammer@evil.example", $"x{i}@trap.example");
                if (replies[^2].StartsWith("250", StringComparison.Ordinal))
                {
                    lock (accepted)
                        accepted.Add(token);
                }
            }
        });

        bool Mine(Published p) => p.Text.Contains("Subject: " + run + "-", StringComparison.Ordinal);
        for (var crashes = 1; crashes <= 3; crashes++)
        {
            // Crash while mail flows: after a quarter more of the stream has been published.
            await stack.WaitForPublishedAsync(Mine, crashes * Messages / 4);
            await crash();
            await stack.Postfix.FlushAsync();
        }
        await sender;
        Assert.Equal(Messages, accepted.Count);

        // Deferred mail waits for Postfix's next retry; flush until every accepted message is through (bounded).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!AllArrived(stack.Published.Where(Mine), accepted) && DateTime.UtcNow < deadline)
        {
            await stack.Postfix.FlushAsync();
            await Task.Delay(500);
        }
        var published = stack.Published.Where(Mine).Select(p => p.Text[(p.Text.IndexOf("Subject: ", StringComparison.Ordinal) + 9)..].Split('\r')[0]).ToList();
        var missing = accepted.Except(published).ToList();
        var duplicates = published.Count - published.Distinct().Count();
        output.WriteLine($"{fault} x3: sent {Messages}, accepted by Postfix {accepted.Count}, received {published.Distinct().Count()}, lost {missing.Count}, duplicated {duplicates}");
        Assert.Empty(missing);
        await stack.Postfix.WaitForEmptyQueueAsync();
    }

    private static bool AllArrived(IEnumerable<Published> published, List<string> accepted)
    {
        var seen = published.Select(p => p.Text).ToList();
        return accepted.All(token => seen.Any(text => text.Contains("Subject: " + token + "\r", StringComparison.Ordinal)));
    }
}
