using System.Text.Json;
using SmtpCollector.Host.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace SmtpCollector.Host.Tests;

/// <summary>Three collector processes on loopback that form their cluster through Cluster Bootstrap, with no seed node.</summary>
public sealed class ClusterBootstrapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_nodes_with_config_discovery_form_one_cluster_without_seed_nodes_and_publish_what_the_first_node_receives()
    {
        using var temp = new TempDirectory();
        var (broker, subscriber) = await ClusterNodes.BrokerAsync();
        await using var _ = broker;
        await using var __ = subscriber;
        await using var cluster = await CollectorCluster.StartAsync(temp.Path, 20, [broker.Port, broker.Port, broker.Port], http: true, bootstrap: true);
        // Each node sees both others' publishers: they are members of one cluster, and Pub/Sub reaches across it.
        for (var i = 0; i < 3; i++)
            await cluster.WaitForPublishersAsync(i, localUp: true, connectedPeers: 2);

        // One node (the lowest contact point) started the cluster; the other two joined it.
        Assert.Single(Enumerable.Range(0, 3), i => cluster[i].Output.Contains("Initiating new cluster, self-joining", StringComparison.Ordinal));
        for (var i = 0; i < 3; i++)
            await ClusterNodes.UpMembersAsync(cluster, i);
        // What bootstrap asks a contact point: the first node's management endpoint, on loopback, names itself and the members.
        var seeds = await MetricsScrape.GetAsync(cluster.ManagementPorts![0], "/bootstrap/seed-nodes");
        output.WriteLine(seeds);
        using (var answer = JsonDocument.Parse(seeds))
        {
            Assert.Equal(cluster.RemotingPorts[0], answer.RootElement.GetProperty("SelfNode").GetProperty("Port").GetInt32());
            Assert.Equal(cluster.RemotingPorts.Order(), answer.RootElement.GetProperty("Nodes").EnumerateArray().Select(n => n.GetProperty("Node").GetProperty("Port").GetInt32()).Order());
        }

        var message = Archive.Message(1, 5_000);
        await using (var client = await LmtpClient.OpenAsync(cluster[0].EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "a@trap.example"))[0]);
        await subscriber.WaitForAsync(1, TimeSpan.FromSeconds(30));
        Assert.Equal([Archive.Sha256(message)], ClusterNodes.PublishedHashes(subscriber));
    }
}
