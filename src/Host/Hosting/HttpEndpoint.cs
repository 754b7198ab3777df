using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// The operator's HTTP endpoint, on a port of its own (Kestrel from the shared framework; nothing of it is on the LMTP
/// path): <c>/metrics</c> in Prometheus' text format, <c>/healthz</c> (the process and its actor system are alive),
/// <c>/readyz</c> (<see cref="ReadinessCheck"/>).
/// </summary>
public static class HttpEndpoint
{
    public const string ReadyTag = "ready";
    private static readonly System.Text.Json.JsonSerializerOptions StatusJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };
    private const string LivenessTag = "liveness";

    public static WebApplicationBuilder CreateBuilder(IPEndPoint listen)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(listen));
        builder.Services.AddRoutingCore();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(CollectorMetrics.MeterName)
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>The host's builder: a web application's with the endpoint on <paramref name="listen"/>, or a plain host's without one (null).</summary>
    public static IHostApplicationBuilder CreateHostBuilder(IPEndPoint? listen) => listen is { } http
        ? CreateBuilder(http)
        : Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

    /// <summary>Builds the host made by <see cref="CreateHostBuilder"/>, with the endpoint's routes when it has one.</summary>
    public static IHost Build(IHostApplicationBuilder builder, Func<StatusReport> status)
    {
        if (builder is not WebApplicationBuilder web)
            return ((HostApplicationBuilder)builder).Build();
        var app = web.Build();
        Map(app, status);
        return app;
    }

    /// <summary>
    /// Whether the endpoint's address can be bound, tried before anything starts: an address in use (say by the other
    /// command's endpoint on the same default port) is an operator's mistake, said in one line on stderr, with no stack
    /// trace and before a mailbox or a broker is contacted. Kestrel binds it a moment later.
    /// </summary>
    public static async Task<bool> CanListenAsync(IPEndPoint? listen)
    {
        if (listen is null)
            return true;
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(listen);
            probe.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            await Console.Error.WriteLineAsync($"smtp-collector: cannot listen for HTTP on {listen}: {ex.Message} (--http ADDRESS:PORT, or none)");
            return false;
        }
    }

    /// <summary><c>/readyz</c>'s check (what "ready" means is the command's: the LMTP listener bound, the mailboxes logged in).</summary>
    public static void AddReadiness(IServiceCollection services, Func<IServiceProvider, IHealthCheck> check) =>
        services.AddHealthChecks().Add(new HealthCheckRegistration("ready", check, HealthStatus.Unhealthy, [ReadyTag]));

    public static void Map(WebApplication app, Func<StatusReport> status)
    {
        app.UseRouting();
        app.MapGet("/", () => Results.Content(StatusPage.Render(status()), "text/html; charset=utf-8"));
        app.MapGet("/api/status", () => Results.Json(status(), StatusJson));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/healthz", Only(LivenessTag));
        app.MapHealthChecks("/readyz", Only(ReadyTag));
    }

    private static HealthCheckOptions Only(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes200,
            [HealthStatus.Degraded] = StatusCodes200,
            [HealthStatus.Unhealthy] = 503,
        },
    };

    private const int StatusCodes200 = 200;
}
