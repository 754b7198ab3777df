using Akka.Hosting;
using SmtpCollector.Actors.Sinks.Summary;

namespace SmtpCollector.Host.Hosting;

public static class SummaryHostingExtensions
{
    /// <summary>With <c>summary: true</c>, puts the summarising actor in front of the registered <see cref="MessageSink"/> (after it is registered).</summary>
    public static AkkaConfigurationBuilder WithSummary(this AkkaConfigurationBuilder builder, bool enabled) =>
        !enabled ? builder : builder.WithActors((system, registry, _) =>
            registry.Register<MessageSink>(system.ActorOf(SummarisingSinkActor.Props(registry.Get<MessageSink>()), "summariser"), overwrite: true));
}
