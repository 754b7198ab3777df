using SmtpCollector.Host.Configuration;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace SmtpCollector.Host.Tests;

/// <summary>
/// The three-node compose variant, checked without running a container (scripts/lint.sh also resolves it with
/// docker-compose): every node's configuration is valid, the nodes agree on their seeds, each seed and public name is a
/// node's service, and Postfix's destination is the name all three answer to.
/// </summary>
public sealed class ComposeClusterTests
{
    private static YamlMappingNode Services()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "docker-compose.cluster.yml"))));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static IEnumerable<(string Service, YamlMappingNode Node)> Nodes() =>
        Services().Children.Where(c => ((YamlScalarNode)c.Key).Value!.StartsWith("collector", StringComparison.Ordinal))
            .Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value));

    /// <summary>The node's configuration file (its <c>--config</c>, in the container) as it is in the checkout.</summary>
    private static string LocalConfigOf(YamlMappingNode node)
    {
        var config = ((YamlSequenceNode)node["command"]).Children.Select(c => ((YamlScalarNode)c).Value!)
            .Single(a => a.StartsWith("--config=", StringComparison.Ordinal))["--config=".Length..];
        Assert.StartsWith("/etc/smtp-collector/", config, StringComparison.Ordinal);
        return Path.Combine(Paths.RepositoryRoot, "deploy", config["/etc/smtp-collector/".Length..]);
    }

    private static ClusterNodeOptions ClusterOf(YamlMappingNode node)
    {
        var local = LocalConfigOf(node);
        var parsed = ConfigLoader.Load(local);
        // The domains file is the container's (/etc/smtp-collector/domains), not here.
        Assert.Equal("/etc/smtp-collector/domains", parsed.DomainsFile);
        parsed.DomainsFile = null;
        return CollectorOptions.From(parsed, local).Cluster ?? throw new InvalidOperationException($"{local} has no cluster section");
    }

    private static IEnumerable<string> Aliases(YamlMappingNode node) =>
        ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)node["networks"])["default"])["aliases"]).Children.Select(a => ((YamlScalarNode)a).Value!);

    [Fact]
    public void Three_nodes_agree_on_their_seeds_and_each_is_reached_by_its_service_name()
    {
        var nodes = Nodes().ToList();
        Assert.Equal(3, nodes.Count);
        var clusters = nodes.Select(n => (n.Service, Cluster: ClusterOf(n.Node), Aliases: Aliases(n.Node).ToList())).ToList();

        var seeds = clusters[0].Cluster.SeedNodes;
        Assert.All(clusters, c => Assert.Equal(seeds, c.Cluster.SeedNodes));
        Assert.All(clusters, c => Assert.Equal("smtp-collector", c.Cluster.SystemName));
        // Each node's public name reaches that node (its service name, or an alias of its own), on its remoting port.
        var names = clusters.ToDictionary(c => c.Cluster.PublicHost, c => c);
        Assert.Equal(3, names.Count);
        Assert.All(clusters, c => Assert.True(c.Service == c.Cluster.PublicHost || c.Aliases.Contains(c.Cluster.PublicHost), c.Service));
        Assert.All(seeds, seed => Assert.Contains(names.Keys, name => seed == $"akka.tcp://smtp-collector@{name}:{names[name].Cluster.Port}"));
    }

    [Fact]
    public void Postfix_delivers_to_the_one_name_all_three_nodes_answer_to()
    {
        var destination = ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)Services()["postfix"])["environment"])["LMTP_DESTINATION"]).Value!;
        Assert.StartsWith("inet:", destination, StringComparison.Ordinal);
        var name = destination["inet:".Length..].Split(':')[0];
        Assert.All(Nodes(), n => Assert.Contains(name, Aliases(n.Node)));
    }

    [Fact]
    public void The_monitoring_profile_scrapes_every_node_on_its_http_port()
    {
        var mount = Assert.Single(((YamlSequenceNode)((YamlMappingNode)Services()["prometheus"])["volumes"]).Children.Select(v => ((YamlScalarNode)v).Value!));
        Assert.Equal("./deploy/prometheus/prometheus-cluster.yml:/etc/prometheus/prometheus.yml:ro", mount);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "deploy", "prometheus", "prometheus-cluster.yml"))));
        var job = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["scrape_configs"]).Children.Single();
        var targets = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"]).Children.Single())["targets"]).Children
            .Select(t => ((YamlScalarNode)t).Value!).Order(StringComparer.Ordinal);
        // Each node by its public name (its service or its own alias), on the port its http_listen binds.
        var expected = Nodes().Select(n => (Cluster: ClusterOf(n.Node), Http: HttpPortOf(n.Node)))
            .Select(n => $"{n.Cluster.PublicHost}:{n.Http}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, targets);
    }

    private static string HttpPortOf(YamlMappingNode node) => ConfigLoader.Load(LocalConfigOf(node)).HttpListen.Split(':')[^1];
}
