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
    public static AkkaConfigurationBuilder WithArchivedSink(this AkkaConfigurationBuilder builder, ArchiveOptions archive, CollectorOptions options,
        CollectorMetrics? metrics = null) =>
        builder.WithActors((system, registry, _) =>
        {
            var main = options.Feed is { } feed
                ? system.ActorOf(HpfeedsPublisherActor.Props(feed, metrics, options.Lmtp.Publishing), "hpfeeds-publisher")
                : system.ActorOf(StoreSinkActor.Props(StoreSinkHostingExtensions.Store(options.Sink)), "store-sink");
            if (options.Feed is not null)
                registry.Register<Publisher>(main);
            var store = new MaildirStore(archive.Directory);
            try
            {
                store.Prepare();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not fatal: every message gets 451 4.3.0 (and stays in Postfix's queue) until the folder can be written.
                system.Log.Error(ex, "archive {0} cannot be written: every message gets 451 4.3.0 until it can", store.Description);
            }
            var archiveSink = system.ActorOf(StoreSinkActor.Props(store), "archive-sink");
            if (archive.Retention.MaxAge is not null || archive.Retention.MaxBytes is not null)
                system.ActorOf(ArchiveRetentionActor.Props(store.Directory, archive.Retention), "archive-retention");
            registry.Register<MessageSink>(system.ActorOf(AllSinksActor.Props([main, archiveSink]), "all-sinks"));
        });
}
