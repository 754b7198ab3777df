using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using YamlDotNet.RepresentationModel;
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
        Assert.Contains("SUCCESS: 6 rules found", output, StringComparison.Ordinal);
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
        exposed.UnionWith(await ImapMetricNamesAsync());
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard)).RootElement;
        var expressions = dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => target.GetProperty("expr").GetString()!))
            .Append(await File.ReadAllTextAsync(Rules));
        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();

        Assert.Contains("smtp_collector_broker_connected", used);
        Assert.Contains("smtp_collector_imap_mailbox_up", used);
        Assert.All(used, name => Assert.True(exposed.Contains(name), $"{name} is used but not on /metrics"));
    }

    [Theory]
    [InlineData("prometheus.yml")]
    [InlineData("prometheus-cluster.yml")]
    public async Task Promtool_accepts_the_monitoring_profiles_prometheus_configuration_with_the_alert_rules(string file)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "check", "config", Path.Combine(Paths.RepositoryRoot, "deploy", "prometheus", file) })
            start.ArgumentList.Add(argument);
        using var promtool = Process.Start(start)!;
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(promtool.ExitCode == 0, output);
        Assert.Contains("SUCCESS: 1 rule files found", output, StringComparison.Ordinal);
        Assert.Contains("SUCCESS: 6 rules found", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The monitoring profile holds together without running it (no registry for its images here): every file compose
    /// mounts exists, Prometheus scrapes the port the collector's HTTP endpoint is on, Grafana's dashboard provider reads
    /// the folder the dashboard is mounted in, and the provisioned datasource has the uid every panel names.
    /// </summary>
    [Fact]
    public void The_monitoring_profile_mounts_existing_files_and_its_provisioning_matches_the_dashboard()
    {
        var compose = Yaml(Path.Combine(Paths.RepositoryRoot, "docker-compose.yml"));
        var services = (YamlMappingNode)compose["services"];
        foreach (var name in new[] { "prometheus", "grafana" })
        {
            var service = (YamlMappingNode)services[name];
            Assert.Equal(["monitoring"], ((YamlSequenceNode)service["profiles"]).Select(p => p.ToString()));
            foreach (var volume in ((YamlSequenceNode)service["volumes"]).Select(v => v.ToString()).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                var source = Path.Combine(Paths.RepositoryRoot, volume.Split(':')[0]);
                Assert.True(File.Exists(source) || Directory.Exists(source), $"{name} mounts {source}, which does not exist");
            }
        }
        foreach (var other in new[] { "postfix", "collector", "broker" })
            Assert.False(((YamlMappingNode)services[other]).Children.ContainsKey("profiles"), $"{other} must run without a profile");

        var collectorConfig = Yaml(Path.Combine(Paths.RepositoryRoot, "deploy", "collector.yml"));
        var httpPort = collectorConfig["http_listen"].ToString().Split(':')[^1];
        var prometheus = Yaml(Path.Combine(Paths.RepositoryRoot, "deploy", "prometheus", "prometheus.yml"));
        var target = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)prometheus["scrape_configs"])[0])["static_configs"])[0])["targets"])[0].ToString();
        Assert.Equal($"collector:{httpPort}", target);

        var grafanaVolumes = ((YamlSequenceNode)((YamlMappingNode)services["grafana"])["volumes"]).Select(v => v.ToString()).ToList();
        var dashboardMount = Assert.Single(grafanaVolumes, v => v.StartsWith("./deploy/grafana/smtp-collector-dashboard.json:", StringComparison.Ordinal)).Split(':')[1];
        Assert.Contains(grafanaVolumes, v => v.StartsWith("./deploy/grafana/provisioning:/etc/grafana/provisioning", StringComparison.Ordinal));
        var providers = Yaml(Path.Combine(Paths.RepositoryRoot, "deploy", "grafana", "provisioning", "dashboards", "smtp-collector.yml"));
        var folder = ((YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)providers["providers"])[0])["options"])["path"].ToString();
        Assert.Equal(folder, Path.GetDirectoryName(dashboardMount));

        var datasources = Yaml(Path.Combine(Paths.RepositoryRoot, "deploy", "grafana", "provisioning", "datasources", "prometheus.yml"));
        var datasource = (YamlMappingNode)((YamlSequenceNode)datasources["datasources"])[0];
        Assert.Equal("prometheus", datasource["type"].ToString());
        Assert.Equal("http://prometheus:9090", datasource["url"].ToString());
        var panelUids = JsonDocument.Parse(File.ReadAllText(Dashboard)).RootElement.GetProperty("panels").EnumerateArray()
            .Where(panel => panel.TryGetProperty("datasource", out _))
            .Select(panel => panel.GetProperty("datasource").GetProperty("uid").GetString()).ToHashSet();
        Assert.Equal([datasource["uid"].ToString()], panelUids);
    }

    /// <summary>What an IMAP collector's /metrics has (its mailboxes' series), with one mailbox logged in and collected.</summary>
    private static async Task<IEnumerable<string>> ImapMetricNamesAsync()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = "secret1" });
        using var temp = new TempDirectory();
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var http = MetricsScrape.FreePort();
        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c", "--http", $"127.0.0.1:{http}"));
        Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30)), collector.Output);
        return SampleName().Matches(await MetricsScrape.GetAsync(http, "/metrics")).Select(m => m.Groups[1].Value);
    }

    private static YamlMappingNode Yaml(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"^([a-z_:][a-z0-9_:]*)", RegexOptions.Multiline)]
    private static partial Regex SampleName();

    [GeneratedRegex(@"\b(smtp_collector|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
