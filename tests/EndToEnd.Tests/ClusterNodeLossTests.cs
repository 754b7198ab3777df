using System.Text;
using SmtpCollector.EndToEnd.Tests.Support;
using SmtpCollector.TestBroker;
using Xunit;
using Xunit.Abstractions;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>
/// Real Postfix in front of a three-node cluster (node 2 first, nodes 0 and 1 as its fallbacks). Node 2's broker address is
/// dead, so what it takes is published by nodes 0 and 1. Under a steady stream of mail, node 1 (a publisher for node 2) is
/// killed with SIGKILL and restarted, then node 2 (the node Postfix talks to) is, and Postfix meanwhile delivers to its
/// fallbacks: every message Postfix accepted reaches the subscriber; duplicates are allowed (at least once) and counted.
/// </summary>
public sealed class ClusterNodeLossTests(ITestOutputHelper output)
{
    private const int Messages = 120;

    // 64 KB each: a message takes long enough to cross nodes that a kill finds some in flight.
    private static readonly string Filler = string.Concat(Enumerable.Range(0, 1000).Select(i => $"filler line {i:D4} of the steady stream.........\r\n"));

    [Fact]
    public async Task Every_message_Postfix_accepted_arrives_although_nodes_are_killed_and_restarted()
    {
        var directory = Path.Combine(Path.GetTempPath(), "smtp-collector-cluster-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            await RunAsync(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task RunAsync(string directory)
    {
        await using var broker = await HpfeedsBroker.StartAsync(new BrokerOptions
        {
            Accounts =
            [
                new BrokerAccount("writer", "secret", ["spam.mails", "writer.confirm"], ["writer.confirm"]),
                new BrokerAccount("backend", "backend-secret", [], ["spam.mails"]),
            ],
        });
        await using var subscriber = await HpfeedsSubscriber.ConnectAsync(broker.Port, "backend", "backend-secret", ["spam.mails"]);
        await broker.WaitForSubscribersAsync("spam.mails", 1, TimeSpan.FromSeconds(10));
        await using var cluster = await CollectorCluster.StartAsync(directory, 10, [broker.Port, broker.Port, FreePort.Pick()]);
        await cluster.WaitForPublishersAsync(2, localUp: false, connectedPeers: 2);
        var domains = Path.Combine(directory, "domains");
        await File.WriteAllTextAsync(domains, "trap.example\n");
        await using var postfix = await PostfixInstance.StartAsync(Path.Combine(directory, "postfix"), domains, cluster.LmtpPorts[2],
            // A relay's syntax, not a destination's: "inet:" there is a fatal error of every lmtp(8) process that reads it.
            lmtpFallback: $"[127.0.0.1]:{cluster.LmtpPorts[0]}, [127.0.0.1]:{cluster.LmtpPorts[1]}");

        var run = Guid.NewGuid().ToString("N")[..8];
        var accepted = new List<string>();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                var token = $"{run}-{i:D4}";
                var replies = await SmtpSender.SendRawAsync(postfix.SmtpPort, Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\n{Filler}"),
                    "spammer@evil.example", $"x{i}@trap.example");
                if (replies[^2].StartsWith("250", StringComparison.Ordinal))
                {
                    lock (accepted)
                        accepted.Add(token);
                }
            }
        });
        List<string> Published() => [.. subscriber.Received.Select(Support.Published.From).Select(p => p.Text)
            .Where(t => t.Contains("Subject: " + run + "-", StringComparison.Ordinal))
            .Select(t => t[(t.IndexOf("Subject: ", StringComparison.Ordinal) + 9)..].Split('\r')[0])];
        async Task WaitForPublishedAsync(int count)
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (Published().Distinct().Count() < count)
            {
                if (DateTime.UtcNow >= until)
                    throw new TimeoutException($"only {Published().Distinct().Count()} of {count} published\n{postfix.Log}");
                await postfix.FlushAsync();
                await Task.Delay(250);
            }
        }

        int ToFallbacks() => postfix.Log.Split('\n').Count(line => line.Contains("status=sent", StringComparison.Ordinal)
            && (line.Contains($"]:{cluster.LmtpPorts[0]},", StringComparison.Ordinal) || line.Contains($"]:{cluster.LmtpPorts[1]},", StringComparison.Ordinal)));

        // Node 1, one of the two publishing for node 2, dies with messages in flight, and comes back.
        await WaitForPublishedAsync(Messages / 4);
        await cluster.KillAsync(1);
        await WaitForPublishedAsync(Messages * 3 / 8);
        await cluster.StartAsync(1);
        await cluster.WaitForPublishersAsync(2, localUp: false, connectedPeers: 2);
        // Node 2, the one Postfix delivers to, dies in the middle of sessions, and comes back.
        await WaitForPublishedAsync(Messages / 2);
        await cluster.KillAsync(2);
        // Postfix fails over: what it delivers now goes to node 0 or 1 (flushed, bounded).
        var sentToFallbacks = ToFallbacks();
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(120); ToFallbacks() == sentToFallbacks; await Task.Delay(250))
        {
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"node 2 down, and nothing delivered to nodes 0 and 1 within 120 s\n{postfix.Log}");
            await postfix.FlushAsync();
        }
        await WaitForPublishedAsync(Messages * 5 / 8);
        await cluster.StartAsync(2);
        await cluster.WaitForPublishersAsync(2, localUp: false, connectedPeers: 2);
        await sender;

        // Deferred mail waits for Postfix's next retry: flush until every accepted message is through (bounded).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (!accepted.All(Published().Contains) && DateTime.UtcNow < deadline)
        {
            await postfix.FlushAsync();
            await Task.Delay(500);
        }
        var published = Published();
        var missing = accepted.Except(published).ToList();
        var duplicates = published.Count - published.Distinct().Count();
        output.WriteLine($"node 1 then node 2 kill -9 and restart: sent {Messages}, accepted by Postfix {accepted.Count}, received {published.Distinct().Count()}, " +
            $"lost {missing.Count}, duplicated {duplicates}; Postfix log: {Count(postfix.Log, "status=deferred")} deferred, {Count(postfix.Log, "Connection refused")} refused connections, " +
            $"{Count(postfix.Log, "451 4.4.3")} 451 4.4.3, {Count(postfix.Log, "lost connection")} lost connections");
        Assert.Equal(Messages, accepted.Count);
        Assert.Empty(missing);
        await postfix.WaitForEmptyQueueAsync();
        // The restarted nodes rejoined the cluster: node 2 routes through both peers again, node 1's publisher took messages.
        Assert.Contains("taking messages from", cluster[1].Output, StringComparison.Ordinal);
        output.WriteLine($"delivered to the fallback nodes: {ToFallbacks()}");
        // No lmtp(8) process died on the way (a fallback written in a destination's syntax is fatal to every one).
        Assert.DoesNotContain(postfix.Log.Split('\n'), line => line.Contains("fatal:", StringComparison.Ordinal) || line.Contains("panic:", StringComparison.Ordinal));
    }

    private static int Count(string log, string what) => log.Split('\n').Count(line => line.Contains(what, StringComparison.Ordinal));
}
