using Akka.Actor;
using Akka.Hosting;
using LogLevel = Akka.Event.LogLevel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sources.Imap;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class ImapCollectorHost
{
    /// <summary>Runs the collector: one pass (exit 0 when every message was published, else 1) or, with -c, until SIGTERM (exit 0).</summary>
    public static async Task<int> RunAsync(ImapOptions options, CancellationToken cancellation)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddCollectorConsole();
        builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Run.SinkDeadline + TimeSpan.FromSeconds(20));
        builder.Services.AddAkka("smtp-collector", akka =>
        {
            akka.WithHoconSettings()
                .ConfigureLoggers(loggers =>
                {
                    loggers.LogLevel = LogLevel.InfoLevel;
                    loggers.ClearLoggers();
                    loggers.AddLogger<ComponentLogger>();
                });
            if (options.Archive is { } archive)
                akka.WithArchivedSink(archive, options.Feed, options.Sink);
            else if (options.Feed is { } feed)
                akka.WithHpfeedsPublisher(feed);
            else
                akka.WithStoreSink(options.Sink);
            akka.WithImapCollector(options);
        });

        using var host = builder.Build();
        await host.StartAsync(cancellation);
        var collector = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<ImapCollector>(cancellation);
        var shutdown = host.WaitForShutdownAsync(cancellation);
        if (options.Run.Continuous)
        {
            await shutdown;
            return 0;
        }

        var pass = collector.Ask<PassFinished>(new AwaitPass(), Timeout.InfiniteTimeSpan, cancellation);
        if (await Task.WhenAny(pass, shutdown) == shutdown)
            return 1;
        var result = await pass;
        await host.StopAsync(CancellationToken.None);
        return result.AllPublished ? 0 : 1;
    }
}
