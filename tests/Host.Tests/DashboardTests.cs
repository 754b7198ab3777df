using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>deploy/'s alert rules and Grafana dashboard: valid (promtool, JSON), and every metric they read exists on a live /metrics.</summary>
public sealed partial class DashboardTests
{
    private static string Rules => Path.Combine(Paths.RepositoryRoot, "deploy", "prometheus", "alerts.yml");
    private static string Dashboard => Path.Combine(Paths.RepositoryRoot, "deploy", "grafana", "smtp-collector-dashboard.json");

    [Fact]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "check", "rules", Rules })
            start.ArgumentList.Add(argument);
        using var promtool = Process.Start(start)!;
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(promtool.ExitCode == 0, output);
        Assert.Contains("SUCCESS: 5 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alerts_use_exists_on_a_live_metrics_endpoint()
    {
        await using var feedBroker = await FeedBroker.StartAsync();
        using var temp = new TempDirectory();
        var feed = temp.File("feed_config.yml");
        await File.WriteAllTextAsync(feed, $"broker: \"127.0.0.1\"\nport: {feedBroker.Broker.Port}\nidentity: \"writer\"\nsecret: \"secret\"\nchannels: [\"spam.mails\"]\n");
        var http = MetricsScrape.FreePort();
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--http", $"127.0.0.1:{http}");
        Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(15)), collector.Output);
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Encoding.ASCII.GetBytes("Subject: x\r\n\r\ny\r\n"), "v@trap.example"))[0]);

        var exposed = SampleName().Matches(await MetricsScrape.GetAsync(http, "/metrics")).Select(m => m.Groups[1].Value).ToHashSet();
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard)).RootElement;
        var expressions = dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => target.GetProperty("expr").GetString()!))
            .Append(await File.ReadAllTextAsync(Rules));
        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();

        Assert.Contains("smtp_collector_broker_connected", used);
        Assert.All(used, name => Assert.True(exposed.Contains(name), $"{name} is used but not on /metrics"));
    }

    [GeneratedRegex(@"^([a-z_:][a-z0-9_:]*)", RegexOptions.Multiline)]
    private static partial Regex SampleName();

    [GeneratedRegex(@"\b(smtp_collector|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
