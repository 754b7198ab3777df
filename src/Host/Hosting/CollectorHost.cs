using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Protocol.Payload;
using Serilog.Core;

namespace SmtpCollector.Host.Hosting;

public static class CollectorHost
{
    private static AkkaConfigurationBuilder WithMessageSink(this AkkaConfigurationBuilder builder, CollectorOptions options, CollectorMetrics metrics, ClusterView? cluster) =>
        options is { Cluster: { } node, Feed: { } clustered } && cluster is not null
            ? builder.WithClusterNode(node).WithClusteredPublisher(clustered, metrics, options.Lmtp.Publishing!, cluster.Metrics, options.Archive)
        : options.Archive is { } archive ? builder.WithArchivedSink(archive, options.Feed, options.Sink, metrics, options.Lmtp.Publishing)
        : options.Feed is { } feed ? builder.WithHpfeedsPublisher(feed, metrics, options.Lmtp.Publishing) : builder.WithStoreSink(options.Sink);

    /// <param name="reload">Reads the configuration again, as at the start; called on SIGHUP (<see cref="ConfigReload"/>).</param>
    public static async Task<int> RunAsync(CollectorOptions options, Func<CollectorOptions> reload, CancellationToken cancellation)
    {
        if (!await HttpEndpoint.CanListenAsync(options.Http))
            return 1;
        var level = new LoggingLevelSwitch(options.LogLevel);
        using var metrics = new CollectorMetrics(options.Feed is null ? options.Sink.Kind.ToString().ToLowerInvariant() : "hpfeeds");
        var activity = new TrapActivity();
        var budget = new InFlightBudget(options.Lmtp.MaxInFlightBytes);
        metrics.Observe(budget);
        using var clusterMetrics = options.Cluster is null ? null : new ClusterMetrics();
        var cluster = clusterMetrics is null ? null : new ClusterView(clusterMetrics);
        var builder = HttpEndpoint.CreateHostBuilder(options.Http);
        // Where nothing can publish, MAIL is refused before any body is sent (not with a local store, which is always there).
        var publishing = options.Feed is null ? null : new PublishingAvailability();
        Configure(builder, options with { Lmtp = options.Lmtp with { Metrics = metrics, Activity = activity, Publishing = publishing } }, metrics, budget, level, cluster);
        using var host = HttpEndpoint.Build(builder, StatusSource(options, activity, metrics, budget, cluster));
        using var reloads = new ConfigReload(options, reload, level, host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(ConfigReload.Category));
        reloads.Listen();
        await host.StartAsync(cancellation);
        cluster?.Attach(host.Services.GetRequiredService<ActorSystem>());
        metrics.StartSeries();

        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var listener = await registry.GetAsync<LmtpListener>(cancellation);
        var bound = await listener.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(30), cancellation);
        if (bound is ListenerFailed failed)
        {
            await Console.Error.WriteLineAsync($"smtp-collector: {failed.Reason}");
            await host.StopAsync(CancellationToken.None);
            return 1;
        }

        reloads.Started(host.Services.GetRequiredService<ActorSystem>(), registry);
        await host.WaitForShutdownAsync(cancellation);
        return 0;
    }

    private static Func<StatusReport> StatusSource(CollectorOptions options, TrapActivity activity, CollectorMetrics metrics, InFlightBudget budget, ClusterView? cluster)
    {
        var archive = options.Archive is { } a ? new DirectorySize(a.Directory) : null;
        var spool = options.Feed is { } feed ? new DirectorySize(feed.SpoolDirectory) : null;
        return () => StatusReport.From(activity, metrics, budget, options.SilenceWarning, options.Feed?.Window, archive, spool, cluster: cluster?.Snapshot());
    }

    private static void Configure(IHostApplicationBuilder builder, CollectorOptions options, CollectorMetrics metrics, InFlightBudget budget, LoggingLevelSwitch level,
        ClusterView? cluster)
    {
        builder.Logging.AddCollectorConsole(options.JsonLogs, level);
        builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Lmtp.ShutdownDeadline + TimeSpan.FromSeconds(15));
        builder.Services.AddAkka(options.Cluster?.SystemName ?? "smtp-collector", akka => akka
            .WithHoconSettings()
            .WithActorProviderLogged()
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = ConfigReload.AkkaLevel(options.LogLevel);
                loggers.ClearLoggers();
                loggers.AddLogger<ComponentLogger>();
            })
            .WithActorSystemLivenessCheck()
            .WithMessageSink(options, metrics, cluster)
            .WithSummary(options.Summary)
            .WithLmtpListener(options.Lmtp, options.DomainsFile, budget));
        // In a cluster the broker link that matters is any node's (ClusterReadinessCheck), not this node's own.
        HttpEndpoint.AddReadiness(builder.Services, services => new ReadinessCheck(services.GetRequiredService<ActorRegistry>(), options.Feed is not null && options.Cluster is null));
        if (options.Cluster is not null)
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("cluster",
                services => new ClusterReadinessCheck(services.GetRequiredService<ActorSystem>(), options.Lmtp.Publishing!), HealthStatus.Unhealthy, [HttpEndpoint.ReadyTag]));
    }
}
