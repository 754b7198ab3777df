using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The <c>cluster:</c> section: opt-in, validated, and a run without it loads no remoting.</summary>
public sealed class ClusterConfigTests
{
    [Fact]
    public void The_cluster_section_is_read_and_seed_nodes_become_akka_addresses()
    {
        var options = CollectorOptions.From(ConfigLoader.Parse("""
            cluster:
              system_name: trap
              host: 0.0.0.0
              port: 4053
              public_host: collector-1
              seed_nodes: ["collector-1:4053", "akka.tcp://trap@collector-2:4053"]
              roles: [lmtp]
            """, "test.yml"), "test.yml");

        Assert.Equal(new ClusterNodeOptions("trap", "0.0.0.0", 4053, "collector-1", ["akka.tcp://trap@collector-1:4053", "akka.tcp://trap@collector-2:4053"], ["lmtp"]),
            options.Cluster! with { SeedNodes = [.. options.Cluster!.SeedNodes], Roles = [.. options.Cluster.Roles] },
            new ClusterNodeOptionsComparer());
    }

    [Fact]
    public void Without_a_cluster_section_there_is_no_cluster()
    {
        Assert.Null(CollectorOptions.From(ConfigLoader.Parse("domains: [trap.example]\n", "test.yml"), "test.yml").Cluster);
    }

    [Theory]
    [InlineData("cluster:\n  port: 4053\n", "cluster.seed_nodes must name at least one node")]
    [InlineData("cluster:\n  seed_nodes: [\"akka.tcp://other@h:1\"]\n", "is not in system 'smtp-collector'")]
    [InlineData("cluster:\n  seed_nodes: [\"h\"]\n", "is not HOST:PORT")]
    [InlineData("cluster:\n  system_name: \"a b\"\n  seed_nodes: [\"h:1\"]\n", "cluster.system_name 'a b'")]
    [InlineData("cluster:\n  seeds: [\"h:1\"]\n", "seeds")]
    [InlineData("cluster:\n  discovery: kubernetes\n  seed_nodes: [\"h:1\"]\n", "cluster.seed_nodes and cluster.discovery exclude each other")]
    [InlineData("cluster:\n  discovery: dns\n", "cluster.discovery must be kubernetes or config, is 'dns'")]
    [InlineData("cluster:\n  seed_nodes: [\"h:1\"]\n  management_port: 8558\n", "cluster.management_port is for cluster bootstrap")]
    [InlineData("cluster:\n  seed_nodes: [\"h:1\"]\n  pod_label_selector: app=x\n", "cluster.pod_label_selector is for cluster bootstrap")]
    [InlineData("cluster:\n  discovery: kubernetes\n  management_port: 70000\n", "cluster.management_port 70000 is not a TCP port")]
    [InlineData("cluster:\n  discovery: kubernetes\n  port: 8558\n", "cluster.management_port 8558 is also cluster.port")]
    [InlineData("cluster:\n  discovery: kubernetes\n  required_contact_points: 0\n", "cluster.required_contact_points must be at least 1, is 0")]
    [InlineData("cluster:\n  discovery: kubernetes\n  service_name: \"a b\"\n", "cluster.service_name 'a b'")]
    [InlineData("cluster:\n  discovery: kubernetes\n  endpoints: [\"h:8558\"]\n", "cluster.endpoints is for discovery: config")]
    [InlineData("cluster:\n  discovery: kubernetes\n  pod_label_selector: \"\"\n", "cluster.pod_label_selector must not be empty")]
    [InlineData("cluster:\n  discovery: config\n  endpoints: [\"h:8558\"]\n", "cluster.endpoints lists 1 management endpoint(s), fewer than required_contact_points (2)")]
    [InlineData("cluster:\n  discovery: config\n  endpoints: [\"h:8558\", \"h\"]\n", "cluster.endpoints: 'h' is not HOST:PORT")]
    [InlineData("cluster:\n  discovery: config\n  endpoints: [\"h:1\", \"h:2\"]\n  pod_namespace: x\n", "cluster.pod_namespace is for discovery: kubernetes")]
    [InlineData("cluster:\n  discovery: kubernetes\n  public_host: a\n  public_host_env: POD_IP\n", "cluster.public_host and cluster.public_host_env exclude each other")]
    [InlineData("cluster:\n  discovery: kubernetes\n  public_host_env: SMTP_COLLECTOR_TEST_UNSET\n", "cluster.public_host_env names SMTP_COLLECTOR_TEST_UNSET, which is not set")]
    public void A_bad_cluster_section_is_refused_with_what_is_wrong(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => CollectorOptions.From(ConfigLoader.Parse(yaml, "test.yml"), "test.yml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_without_a_broker_is_refused_at_startup()
    {
        using var temp = new TempDirectory();
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, "cluster:\n  host: 127.0.0.1\n  port: 0\n  seed_nodes: [\"127.0.0.1:1\"]\n");

        var (exit, output) = await CollectorProcess.RunToEndAsync("lmtp", "--config", config, "--listen", "127.0.0.1:0", "--http", "none");

        Assert.Equal(2, exit);
        Assert.Contains("cluster: needs an hpfeeds broker", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_node_runs_the_local_actor_provider_and_loads_no_remoting()
    {
        using var temp = new TempDirectory();
        await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{temp.File("m.jsonl")}");
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray(), "a@trap.example"))[0]);

        Assert.Contains("actor provider: LocalActorRefProvider", collector.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("akka.tcp://", collector.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Remoting", collector.Output, StringComparison.Ordinal);
    }

    private sealed class ClusterNodeOptionsComparer : IEqualityComparer<ClusterNodeOptions>
    {
        public bool Equals(ClusterNodeOptions? x, ClusterNodeOptions? y) =>
            x is not null && y is not null && (x.SystemName, x.Host, x.Port, x.PublicHost) == (y.SystemName, y.Host, y.Port, y.PublicHost)
            && x.SeedNodes.SequenceEqual(y.SeedNodes) && x.Roles.SequenceEqual(y.Roles);

        public int GetHashCode(ClusterNodeOptions obj) => obj.SystemName.GetHashCode(StringComparison.Ordinal);
    }
}
