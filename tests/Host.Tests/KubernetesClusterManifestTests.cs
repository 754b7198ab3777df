using SmtpCollector.Host.Configuration;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace SmtpCollector.Host.Tests;

/// <summary>
/// The Kubernetes example (deploy/kubernetes/collector.yaml), checked without a Kubernetes: its configuration is valid
/// and bootstraps through the Kubernetes API, and the Deployment gives what that configuration expects of it.
/// </summary>
public sealed class KubernetesClusterManifestTests
{
    [Fact]
    public void The_example_bootstraps_through_the_Kubernetes_API_and_its_Deployment_matches_the_configuration()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "deploy", "kubernetes", "collector.yaml"))));
        var documents = yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        YamlMappingNode Kind(string kind) => documents.Single(d => Text(d["kind"]) == kind);

        var config = ConfigLoader.Parse(Text(((YamlMappingNode)Kind("ConfigMap")["data"])["collector.yml"]), "collector.yml");
        // The pod's IP is the Deployment's to give (below), not this process's.
        Assert.Equal("POD_IP", config.Cluster!.PublicHostEnv);
        (config.Cluster.PublicHostEnv, config.Cluster.PublicHost) = (null, "10.0.0.1");
        var bootstrap = CollectorOptions.From(config, "collector.yml").Cluster!.Bootstrap!;
        var pods = Assert.IsType<KubernetesPodDiscovery>(bootstrap.Discovery);

        var deployment = (YamlMappingNode)Kind("Deployment")["spec"];
        var template = (YamlMappingNode)deployment["template"];
        var labels = (YamlMappingNode)((YamlMappingNode)template["metadata"])["labels"];
        Assert.Equal(pods.PodLabelSelector, string.Join(",", labels.Children.Select(l => $"{Text(l.Key)}={Text(l.Value)}")));
        Assert.Equal(bootstrap.RequiredContactPoints, int.Parse(Text(deployment["replicas"]), System.Globalization.CultureInfo.InvariantCulture));
        var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)template["spec"])["containers"]).Single();
        Assert.Contains(((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>(),
            p => Text(p["name"]) == "management" && Text(p["containerPort"]) == bootstrap.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var podIp = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().Single(e => Text(e["name"]) == "POD_IP");
        Assert.Equal("status.podIP", Text(((YamlMappingNode)((YamlMappingNode)podIp["valueFrom"])["fieldRef"])["fieldPath"]));
        var rule = ((YamlSequenceNode)Kind("Role")["rules"]).Cast<YamlMappingNode>().Single();
        Assert.Contains("list", ((YamlSequenceNode)rule["verbs"]).Select(Text));
        Assert.Equal(Text(Kind("ServiceAccount")["metadata"]["name"]), Text(((YamlMappingNode)template["spec"])["serviceAccountName"]));
    }

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value!;
}
