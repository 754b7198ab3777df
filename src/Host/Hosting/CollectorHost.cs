using Akka.Actor;
using Akka.Hosting;
using LogLevel = Akka.Event.LogLevel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class CollectorHost
{
    private static AkkaConfigurationBuilder WithMessageSink(this AkkaConfigurationBuilder builder, CollectorOptions options) =>
        options.Archive is { } archive ? builder.WithArchivedSink(archive, options)
        : options.Feed is { } feed ? builder.WithHpfeedsPublisher(feed) : builder.WithStoreSink(options.Sink);

    public static async Task<int> RunAsync(CollectorOptions options, CancellationToken cancellation)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddCollectorConsole();
        builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Lmtp.ShutdownDeadline + TimeSpan.FromSeconds(15));
        builder.Services.AddAkka("smtp-collector", akka => akka
            .WithHoconSettings()
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = LogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithMessageSink(options)
            .WithSummary(options.Summary)
            .WithLmtpListener(options.Lmtp, options.DomainsFile));

        using var host = builder.Build();
        await host.StartAsync(cancellation);

        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var listener = await registry.GetAsync<LmtpListener>(cancellation);
        var bound = await listener.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(30), cancellation);
        if (bound is ListenerFailed failed)
        {
            await Console.Error.WriteLineAsync($"smtp-collector: {failed.Reason}");
            await host.StopAsync(CancellationToken.None);
            return 1;
        }

        await host.WaitForShutdownAsync(cancellation);
        return 0;
    }
}
