using Akka.Hosting;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Host.Hosting;

public static class HpfeedsHostingExtensions
{
    /// <summary>The hpfeeds publisher as the <see cref="MessageSink"/>: sessions answer 250 only once the broker has the message.</summary>
    public static AkkaConfigurationBuilder WithHpfeedsPublisher(this AkkaConfigurationBuilder builder, HpfeedsSettings settings, CollectorMetrics? metrics = null) =>
        builder.WithActors((system, registry, _) =>
        {
            var publisher = system.ActorOf(HpfeedsPublisherActor.Props(settings, metrics), "hpfeeds-publisher");
            registry.Register<MessageSink>(publisher);
            registry.Register<Publisher>(publisher);
        });
}
