using Akka.Discovery.Config.Hosting;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class BootstrapHostingExtensions
{
    /// <summary>
    /// How long a node keeps trying to join the seed nodes bootstrap gave it before it shuts itself down: rather an exit
    /// that its orchestrator answers with a restart (and a fresh bootstrap) than a node that waits for ever.
    /// </summary>
    public static readonly TimeSpan JoinGiveUpAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Akka.Management's settings (its HTTP endpoint on <see cref="ClusterNodeOptions.Host"/>:management_port, advertised
    /// as the public host, which is how the others' discovery lists it) and Cluster Bootstrap, started with the actor
    /// system through <see cref="ManagementEndpoint"/>, finding the other nodes through the chosen discovery (README,
    /// "Cluster", Kubernetes).
    /// </summary>
    public static AkkaConfigurationBuilder WithBootstrapFormation(this AkkaConfigurationBuilder builder, ClusterNodeOptions node, BootstrapSettings bootstrap)
    {
        builder
            .AddHocon($"akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {JoinGiveUpAfter.TotalSeconds:0}s", HoconAddMode.Prepend)
            .WithAkkaManagement(new AkkaManagementOptions
            {
                HostName = node.PublicHost,
                Port = bootstrap.ManagementPort,
                BindHostName = node.Host,
                BindPort = bootstrap.ManagementPort,
            }, autoStart: false)
            .WithClusterBootstrap(new ClusterBootstrapOptions
            {
                ContactPointDiscovery =
                {
                    ServiceName = bootstrap.ServiceName,
                    RequiredContactPointsNr = bootstrap.RequiredContactPoints,
                },
                // Listed endpoints share a host (loopback in the tests) on ports of their own: keep them all, not only
                // the ones on this node's management port, which is what filtering on the fallback port would leave.
                ContactPoint = { FilterOnFallbackPort = bootstrap.Discovery is not EndpointListDiscovery },
            }, autoStart: false)
            .AddStartup((system, _) => ManagementEndpoint.StartAsync(system, node.Host, node.PublicHost, bootstrap.ManagementPort));
        return bootstrap.Discovery switch
        {
            EndpointListDiscovery list => builder.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
            {
                Services = [new Service { Name = bootstrap.ServiceName, Endpoints = [.. list.Endpoints] }],
            }),
            KubernetesPodDiscovery pods => builder.WithKubernetesDiscovery(new KubernetesDiscoveryOptions
            {
                PodLabelSelector = pods.PodLabelSelector,
                PodNamespace = pods.PodNamespace,
                // The pod's IP as the contact point's host: the management endpoint advertises that (public_host_env).
                RawIp = true,
            }),
            _ => throw new InvalidOperationException($"no wiring for {bootstrap.Discovery.GetType().Name}"),
        };
    }
}
