using System.Diagnostics;
using SmtpCollector.Host.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace SmtpCollector.Host.Tests;

/// <summary>Three collector processes as one cluster on loopback, sharing their publishers (issue 18).</summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_whose_broker_is_dead_confirms_every_delivery_through_the_others_and_each_arrives_byte_exact()
    {
        using var temp = new TempDirectory();
        var (broker, subscriber) = await ClusterNodes.BrokerAsync();
        await using var _ = broker;
        await using var __ = subscriber;
        // Node 2 also archives (what it received, wherever that was published) and summarises (the summary crosses too).
        var archive = temp.File("archive-2");
        await using var cluster = await CollectorCluster.StartAsync(temp.Path, 20, [broker.Port, broker.Port, MetricsScrape.FreePort()], http: true,
            nodeConfig: i => i == 2 ? $"archive: maildir:{archive}\nsummary: true" : "");
        await cluster.WaitForPublishersAsync(2, localUp: false, connectedPeers: 2);
        // Ready although its own link is down: it is an Up member and its peers' publishers are connected.
        Assert.True(await MetricsScrape.BecomesAsync(cluster.HttpPorts![2], "/readyz", System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30)));

        var messages = Enumerable.Range(0, 10).Select(i => Archive.Message(i, 5_000))
            .Append(Archive.Message(100, 100_000)).Append(Archive.Message(200, 2 * 1024 * 1024)).ToList();
        await using (var client = await LmtpClient.OpenAsync(cluster[2].EndPoint))
            foreach (var message in messages)
            {
                var clock = Stopwatch.StartNew();
                var replies = await client.DeliverAsync(message, "a@trap.example", "b@trap.example");
                Assert.All(replies, reply => Assert.StartsWith("250 2.0.0", reply));
                output.WriteLine($"{message.Length} bytes through another node: 250 after {clock.ElapsedMilliseconds} ms");
            }
        // The local path of a node whose link is up, in the same cluster.
        var local = Archive.Message(300, 1_000);
        await using (var client = await LmtpClient.OpenAsync(cluster[0].EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(local, "c@trap.example"))[0]);
        messages.Add(local);

        await subscriber.WaitForAsync(messages.Count, TimeSpan.FromSeconds(30));
        Assert.Equal(messages.Select(Archive.Sha256).Order(StringComparer.Ordinal), ClusterNodes.PublishedHashes(subscriber).Order(StringComparer.Ordinal));
        Assert.Equal(messages.Where(m => m != local).Select(Archive.Sha256).Order(StringComparer.Ordinal), Archive.Read(archive).BySha256.Keys.Order(StringComparer.Ordinal));
        foreach (var payload in subscriber.Received.Select(frame => System.Text.Json.JsonDocument.Parse(frame.Payload).RootElement))
        {
            var subject = payload.TryGetProperty("summary", out var summary) ? summary.GetProperty("subject").GetString() : null;
            Assert.Equal(payload.GetProperty("sha256").GetString() == Archive.Sha256(local) ? null : "archive test ", subject?[..13]);
        }
        // Spread over both connected peers (round robin), each of which took messages for its own publisher.
        Assert.Contains("taking messages from", cluster[0].Output, StringComparison.Ordinal);
        Assert.Contains("taking messages from", cluster[1].Output, StringComparison.Ordinal);
        Assert.Contains("actor provider: ClusterActorRefProvider", cluster[2].Output, StringComparison.Ordinal);
        // Seen from outside: what crossed nodes, each way, and the peers node 2 could send to.
        var sent = await MetricsScrape.GetAsync(cluster.HttpPorts![2], "/metrics");
        Assert.Equal(12, MetricsScrape.Sum(sent, "smtp_collector_cluster_messages_sent_total"));
        Assert.Equal(2, MetricsScrape.Sum(sent, "smtp_collector_cluster_peer_publishers"));
        var taken = (await Task.WhenAll(cluster.HttpPorts.Take(2).Select(port => MetricsScrape.GetAsync(port, "/metrics"))))
            .Sum(metrics => MetricsScrape.Sum(metrics, "smtp_collector_cluster_messages_taken_total"));
        Assert.Equal(12, taken);
        // The status (JSON and page): the three members Up and reachable, this node's link down, both peers' up.
        var view = await ClusterNodes.UpMembersAsync(cluster, 2);
        Assert.Equal(12, view.GetProperty("messages_sent").GetInt64());
        var members = view.GetProperty("members").EnumerateArray().ToList();
        var self = Assert.Single(members, m => m.GetProperty("is_self").GetBoolean());
        Assert.EndsWith($":{cluster.RemotingPorts[2]}", self.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.False(self.GetProperty("publisher_connected").GetBoolean());
        Assert.All(members.Where(m => !m.GetProperty("is_self").GetBoolean()), m => Assert.True(m.GetProperty("publisher_connected").GetBoolean()));
        var page = await MetricsScrape.GetAsync(cluster.HttpPorts[2], "/");
        Assert.Contains("<table id=\"cluster\">", page, StringComparison.Ordinal);
        Assert.Contains("12 messages sent to other nodes' publishers", page, StringComparison.Ordinal);

        // SIGTERM: the node drains its sessions, leaves (its peers see it removed, not unreachable) and exits 0.
        await cluster[2].StopCleanlyAsync(TimeSpan.FromSeconds(60));
        await cluster.WaitForOutputAsync(0, $"node left the cluster: akka.tcp://smtp-collector@127.0.0.1:{cluster.RemotingPorts[2]} (was Exiting)");
    }

    [Fact]
    public async Task With_every_broker_down_MAIL_gets_451_on_every_node_and_when_one_returns_every_node_delivers()
    {
        using var temp = new TempDirectory();
        var brokerPort = MetricsScrape.FreePort();
        await using var cluster = await CollectorCluster.StartAsync(temp.Path, 20, [brokerPort, brokerPort, MetricsScrape.FreePort()], http: true);
        for (var i = 0; i < 3; i++)
        {
            await cluster.WaitForPublishersAsync(i, localUp: false, connectedPeers: 0);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, await MetricsScrape.StatusAsync(cluster.HttpPorts![i], "/readyz"));
        }
        for (var i = 0; i < 3; i++)
        {
            await using var client = await LmtpClient.OpenAsync(cluster[i].EndPoint);
            // Refused at MAIL: the RCPT and DATA pipelined behind it are refused too, so no body byte is ever asked for.
            await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<a@trap.example>\r\nDATA\r\n");
            Assert.StartsWith("451 4.4.3", await client.ReadReplyAsync());
            Assert.StartsWith("503", await client.ReadReplyAsync());
            Assert.StartsWith("503", await client.ReadReplyAsync());
        }

        var (broker, subscriber) = await ClusterNodes.BrokerAsync(brokerPort);
        await using var _ = broker;
        await using var __ = subscriber;
        await cluster.WaitForPublishersAsync(0, localUp: true, connectedPeers: 1);
        await cluster.WaitForPublishersAsync(2, localUp: false, connectedPeers: 2);

        Assert.True(await MetricsScrape.BecomesAsync(cluster.HttpPorts![2], "/readyz", System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30)));
        var messages = Enumerable.Range(0, 3).Select(i => Archive.Message(i, 2_000)).ToList();
        for (var i = 0; i < 3; i++)
        {
            await using var client = await LmtpClient.OpenAsync(cluster[i].EndPoint);
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(messages[i], "a@trap.example"))[0]);
        }
        await subscriber.WaitForAsync(messages.Count, TimeSpan.FromSeconds(30));
        Assert.Equal(messages.Select(Archive.Sha256).Order(StringComparer.Ordinal), ClusterNodes.PublishedHashes(subscriber).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_node_cut_off_past_the_failure_detector_is_downed_by_the_majority_and_stops_itself()
    {
        using var temp = new TempDirectory();
        var (broker, subscriber) = await ClusterNodes.BrokerAsync();
        await using var _ = broker;
        await using var __ = subscriber;
        await using var cluster = await CollectorCluster.StartAsync(temp.Path, 20, [broker.Port, broker.Port, broker.Port]);
        for (var i = 0; i < 3; i++)
            await cluster.WaitForPublishersAsync(i, localUp: true, connectedPeers: 2);

        // SIGSTOP: node 2 neither answers heartbeats nor sees the others. Keep-majority: nodes 0 and 1 (two of three) down
        // it once the unreachability has been stable for stable-after, and go on publishing; node 2, on SIGCONT, learns it
        // was downed and shuts itself down instead of publishing as a second cluster of one.
        await cluster[2].SignalAsync("STOP");
        await cluster.WaitForOutputAsync(0, $"node left the cluster: akka.tcp://smtp-collector@127.0.0.1:{cluster.RemotingPorts[2]} (was Down)");
        await cluster.WaitForPublishersAsync(0, localUp: true, connectedPeers: 1);
        await cluster[2].SignalAsync("CONT");
        var exit = await cluster[2].WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"node 2 exited with {exit}");

        var message = Archive.Message(1, 1_000);
        await using (var client = await LmtpClient.OpenAsync(cluster[1].EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "a@trap.example"))[0]);
        await subscriber.WaitForAsync(1, TimeSpan.FromSeconds(30));
        Assert.Equal([Archive.Sha256(message)], ClusterNodes.PublishedHashes(subscriber));
    }
}
