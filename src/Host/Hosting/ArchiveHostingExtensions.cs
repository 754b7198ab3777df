using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Archive;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class ArchiveHostingExtensions
{
    /// <summary>
    /// The main sink (the hpfeeds publisher, or else the local store) and the Maildir archive under one
    /// <see cref="AllSinksActor"/>, registered as <see cref="MessageSink"/>: a message is stored only when both have it.
    /// </summary>
    /// <param name="feed">The broker to publish to, or null for the local <paramref name="sink"/>.</param>
    /// <param name="availability">Set by the publisher to whether its broker link is up: MAIL gets 451 4.4.3 while it is down.</param>
    public static AkkaConfigurationBuilder WithArchivedSink(this AkkaConfigurationBuilder builder, ArchiveOptions archive, HpfeedsSettings? feed,
        SinkOptions sink, CollectorMetrics? metrics = null, PublishingAvailability? availability = null) =>
        builder.WithActors((system, registry, _) =>
        {
            var main = feed is not null
                ? system.ActorOf(HpfeedsPublisherActor.Props(feed, metrics, availability), "hpfeeds-publisher")
                : system.ActorOf(StoreSinkActor.Props(StoreSinkHostingExtensions.Store(sink)), "store-sink");
            if (feed is not null)
                registry.Register<Publisher>(main);
            var archiveSink = StartArchive(system, archive, metrics);
            registry.Register<MessageSink>(system.ActorOf(AllSinksActor.Props([main, archiveSink]), "all-sinks"));
        });

    /// <summary>The Maildir archive's sink (and its retention, when limited); an archive that cannot be written yet is said once, not fatal.</summary>
    public static IActorRef StartArchive(ActorSystem system, ArchiveOptions archive, CollectorMetrics? metrics)
    {
        var store = new MaildirStore(archive.Directory);
        try
        {
            store.Prepare();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not fatal: every message gets 451 4.3.0 (and stays in Postfix's queue) until the folder can be written.
            // Under the archive's category (SmtpCollector.Archive), not the actor system's.
            Logging.GetLogger(system, typeof(MaildirStore)).Warning("archive {0} cannot be written ({1}): every message gets 451 4.3.0 until it can",
                store.Description, ex.Message);
        }
        var archiveSink = system.ActorOf(StoreSinkActor.Props(store, metrics is null ? null : metrics.Archived), "archive-sink");
        if (archive.Retention.MaxAge is not null || archive.Retention.MaxBytes is not null)
            system.ActorOf(ArchiveRetentionActor.Props(store.Directory, archive.Retention), "archive-retention");
        return archiveSink;
    }
}
