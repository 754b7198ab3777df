using Akka.Hosting;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class StoreSinkHostingExtensions
{
    /// <summary>The durable local sink (json lines file or raw directory), registered as <see cref="MessageSink"/>.</summary>
    public static AkkaConfigurationBuilder WithStoreSink(this AkkaConfigurationBuilder builder, SinkOptions sink) =>
        builder.WithActors((system, registry, _) =>
            registry.Register<MessageSink>(system.ActorOf(StoreSinkActor.Props(Store(sink)), "store-sink")));

    internal static IMessageStore Store(SinkOptions sink) => sink.Kind == SinkKind.File
        ? new JsonLinesFileStore(sink.Path, sink.Envelope)
        : new RawDirectoryStore(sink.Path);
}
