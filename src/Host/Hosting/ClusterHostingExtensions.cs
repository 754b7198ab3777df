using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using SmtpCollector.Actors.Cluster;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class ClusterHostingExtensions
{
    /// <summary>Says at startup whether this is a single node (the local provider: no remoting loaded) or a cluster node.</summary>
    public static AkkaConfigurationBuilder WithActorProviderLogged(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, _, _) => system.Log.Info("actor provider: {0}", ((ExtendedActorSystem)system).Provider.GetType().Name));

    /// <summary>
    /// Akka.Remote and Akka.Cluster, formed with static seed nodes or through Cluster Bootstrap (never both), Distributed
    /// Pub/Sub on every node (the publishers' topic), and the split-brain resolver's keep-majority strategy, chosen
    /// explicitly (README, "Cluster"). Leaving is part of coordinated shutdown, whose cluster phases come after
    /// service-unbind, where the LMTP sessions finish.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterNode(this AkkaConfigurationBuilder builder, ClusterNodeOptions cluster)
    {
        builder
            .WithRemoting(new RemoteOptions { HostName = cluster.Host, PublicHostName = cluster.PublicHost, Port = cluster.Port })
            .WithClustering(new ClusterOptions
            {
                SeedNodes = [.. cluster.SeedNodes],
                Roles = [.. cluster.Roles],
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithDistributedPubSub("");
        return cluster.Bootstrap is { } bootstrap ? builder.WithBootstrapFormation(cluster, bootstrap) : builder;
    }

    /// <summary>
    /// This node's hpfeeds publisher behind the cluster sink, registered as the <see cref="MessageSink"/>: a message goes
    /// to a connected publisher on this node or another. With an archive, the node that received a message archives it
    /// (beside the cluster sink, under one <see cref="AllSinksActor"/>), wherever it is published.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusteredPublisher(this AkkaConfigurationBuilder builder, HpfeedsSettings feed, CollectorMetrics metrics,
        PublishingAvailability availability, ClusterMetrics clusterMetrics, ArchiveOptions? archive) =>
        builder.WithActors((system, registry, _) =>
        {
            var publisher = system.ActorOf(HpfeedsPublisherActor.Props(feed, metrics), "hpfeeds-publisher");
            var sink = system.ActorOf(ClusterSinkActor.Props(new ClusterSinkSettings { LocalWindow = feed.Window }, publisher, availability, clusterMetrics),
                "cluster-sink");
            registry.Register<Publisher>(publisher);
            registry.Register<MessageSink>(archive is null ? sink
                : system.ActorOf(AllSinksActor.Props([sink, ArchiveHostingExtensions.StartArchive(system, archive, metrics)]), "all-sinks"));
        });
}
