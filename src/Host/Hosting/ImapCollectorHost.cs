using Akka.Actor;
using Akka.Hosting;
using LogLevel = Akka.Event.LogLevel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sources.Imap;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

public static class ImapCollectorHost
{
    /// <summary>Runs the collector: one pass (exit 0 when every message was published, else 1) or, with -c, until SIGTERM (exit 0).</summary>
    public static async Task<int> RunAsync(ImapOptions options, CancellationToken cancellation)
    {
        // 2, as a configuration error: 1 would read as "some mail was not published", and running again cannot help.
        if (!await HttpEndpoint.CanListenAsync(options.Http))
            return 2;
        using var metrics = new CollectorMetrics(options.Feed is null ? options.Sink.Kind.ToString().ToLowerInvariant() : "hpfeeds");
        var activity = new TrapActivity();
        var mailboxes = new ImapMailboxes(metrics, options.Mailboxes.SelectMany(m => m.Folders.Select(f => (m.Name, f))), activity);
        var builder = HttpEndpoint.CreateHostBuilder(options.Http);
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
                })
                .WithActorSystemLivenessCheck();
            if (options.Archive is { } archive)
                akka.WithArchivedSink(archive, options.Feed, options.Sink, metrics);
            else if (options.Feed is { } feed)
                akka.WithHpfeedsPublisher(feed, metrics);
            else
                akka.WithStoreSink(options.Sink);
            akka.WithImapCollector(options, mailboxes);
        });
        HttpEndpoint.AddReadiness(builder.Services, services => new ReadinessCheck(services.GetRequiredService<ActorRegistry>(), options.Feed is not null, mailboxes));

        using var host = HttpEndpoint.Build(builder, StatusSource(options, activity, metrics, mailboxes));
        await host.StartAsync(cancellation);
        mailboxes.StartSeries();
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

    private static Func<StatusReport> StatusSource(ImapOptions options, TrapActivity activity, CollectorMetrics metrics, ImapMailboxes mailboxes)
    {
        var archive = options.Archive is { } a ? new DirectorySize(a.Directory) : null;
        var spool = options.Feed is { } feed ? new DirectorySize(feed.SpoolDirectory) : null;
        // No configuration file here: the silence warning is lmtp's default (silence_warning_minutes).
        var silence = TimeSpan.FromMinutes(new CollectorConfig().SilenceWarningMinutes);
        return () => StatusReport.From(activity, metrics, budget: null, silence, options.Feed?.Window, archive, spool, mailboxes);
    }
}
