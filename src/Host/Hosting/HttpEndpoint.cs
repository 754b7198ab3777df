using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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
