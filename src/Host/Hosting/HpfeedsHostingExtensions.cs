using Akka.Hosting;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Host.Hosting;

public static class HpfeedsHostingExtensions
{
    /// <summary>The hpfeeds publisher as the <see cref="MessageSink"/>: sessions answer 250 only once the broker has the message.</summary>
    /// <param name="availability">Set by the publisher to whether its broker link is up: MAIL gets 451 4.4.3 while it is down.</param>
    public static AkkaConfigurationBuilder WithHpfeedsPublisher(this AkkaConfigurationBuilder builder, HpfeedsSettings settings, CollectorMetrics? metrics = null,
        PublishingAvailability? availability = null) =>
        builder.WithActors((system, registry, _) =>
        {
            var publisher = system.ActorOf(HpfeedsPublisherActor.Props(settings, metrics, availability), "hpfeeds-publisher");
            registry.Register<MessageSink>(publisher);
            registry.Register<Publisher>(publisher);
        });
}
