using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SmtpCollector.Host.Cli;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Hosting;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>
/// <c>cluster.discovery</c>: bootstrap instead of seed nodes, validated, and wired to the discovery it names. Kubernetes
/// discovery is checked up to the Akka settings it produces: no API server is run here.
/// </summary>
public sealed class ClusterBootstrapConfigTests
{
    [Fact]
    public void Kubernetes_discovery_is_read_with_its_defaults()
    {
        var node = Node("cluster:\n  discovery: kubernetes\n");

        Assert.Empty(node.SeedNodes);
        Assert.Equal(new BootstrapSettings(8558, "smtp-collector", 2, new KubernetesPodDiscovery("app=smtp-collector", null)), node.Bootstrap);
    }

    [Fact]
    public void Kubernetes_discovery_takes_its_keys_and_the_public_host_from_the_environment()
    {
        // A name of this test's own: nothing else in the process reads or writes it.
        var variable = $"SMTP_COLLECTOR_TEST_POD_IP_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "10.1.2.3");
        var node = Node($"""
            cluster:
              discovery: kubernetes
              public_host_env: {variable}
              management_port: 9558
              service_name: trap
              required_contact_points: 3
              pod_label_selector: "app.kubernetes.io/name=trap"
              pod_namespace: spamtraps
            """);

        Assert.Equal("10.1.2.3", node.PublicHost);
        Assert.Equal(new BootstrapSettings(9558, "trap", 3, new KubernetesPodDiscovery("app.kubernetes.io/name=trap", "spamtraps")), node.Bootstrap);
    }

    [Fact]
    public void Seed_nodes_stay_the_default_and_load_no_bootstrap()
    {
        var node = Node("cluster:\n  seed_nodes: [\"h:4053\"]\n");

        Assert.Null(node.Bootstrap);
        var config = Wired(node);
        Assert.False(config.HasPath("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
        Assert.DoesNotContain("akka.discovery.method", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_discovery_is_wired_as_the_Kubernetes_API_method_with_bootstrap_and_no_seed_nodes()
    {
        var config = Wired(Node("cluster:\n  host: 0.0.0.0\n  public_host: 10.1.2.3\n  discovery: kubernetes\n  pod_namespace: spamtraps\n"));

        Assert.Equal("kubernetes-api", config.GetString("akka.discovery.method"));
        Assert.Equal("app=smtp-collector", config.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        Assert.Equal("spamtraps", config.GetString("akka.discovery.kubernetes-api.pod-namespace"));
        Assert.True(config.GetBoolean("akka.discovery.kubernetes-api.use-raw-ip"));
        Assert.Equal("smtp-collector", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
        Assert.Equal(2, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        Assert.Equal(("10.1.2.3", 8558, "0.0.0.0"), (config.GetString("akka.management.http.hostname"), config.GetInt("akka.management.http.port"),
            config.GetString("akka.management.http.bind-hostname")));
        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes"));
    }

    [Fact]
    public void Config_discovery_is_wired_with_the_listed_endpoints()
    {
        var config = Wired(Node("cluster:\n  host: 127.0.0.1\n  discovery: config\n  endpoints: [\"127.0.0.1:8558\", \"127.0.0.1:8559\"]\n"));

        Assert.Equal("config", config.GetString("akka.discovery.method"));
        Assert.Equal(["127.0.0.1:8558", "127.0.0.1:8559"], config.GetStringList("akka.discovery.config.services.smtp-collector.endpoints"));
        Assert.False(config.GetBoolean("akka.management.cluster.bootstrap.contact-point.filter-on-fallback-port"));
    }

    [Fact]
    public async Task A_bad_key_in_the_cluster_section_is_named_with_its_own_line()
    {
        using var temp = new TempDirectory();
        var path = temp.File("collector.yml");
        await File.WriteAllTextAsync(path, "domains: [trap.example]\ncluster:\n  discovery: kubernetes\n  management_port: 70000\n");

        var error = Assert.Throws<ConfigException>(() => LmtpCommand.LoadOptions(new FileInfo(path), null, null));
        Assert.StartsWith($"{path}:4:3: cluster.management_port 70000", error.Message, StringComparison.Ordinal);
    }

    private static ClusterNodeOptions Node(string yaml) =>
        CollectorOptions.From(ConfigLoader.Parse(yaml, "test.yml"), "test.yml").Cluster!;

    /// <summary>The Akka settings <see cref="ClusterHostingExtensions.WithClusterNode"/> gives the actor system (none is started).</summary>
    private static Config Wired(ClusterNodeOptions node)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), node.SystemName);
        builder.WithClusterNode(node);
        return builder.Configuration.Value;
    }
}
