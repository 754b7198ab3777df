using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SmtpCollector.TestSupport;

/// <summary>
/// Collector processes as the nodes of one cluster on loopback: remoting and LMTP on free ports picked here (so that a
/// node restarted after a kill comes back where it was), node 0 the seed, or with <c>bootstrap</c> no seed at all:
/// Cluster Bootstrap over config discovery, each node's management endpoint on a free port of its own. Node i publishes
/// to the broker port it is given (a dead one, for a node whose link is down); payloads up to
/// <see cref="MaxPayloadBytes"/> are published whole.
/// </summary>
public sealed partial class CollectorCluster : IAsyncDisposable
{
    private static readonly TimeSpan StateDeadline = TimeSpan.FromSeconds(90);
    private readonly string[] _configs;
    private readonly string[] _feeds;
    private readonly CollectorProcess?[] _nodes;

    private CollectorCluster(string[] configs, string[] feeds, int[] remotingPorts, int[] lmtpPorts, int[]? httpPorts, int[]? managementPorts)
    {
        ManagementPorts = managementPorts;
        HttpPorts = httpPorts;
        _configs = configs;
        _feeds = feeds;
        _nodes = new CollectorProcess?[configs.Length];
        RemotingPorts = remotingPorts;
        LmtpPorts = lmtpPorts;
    }

    public const int MaxPayloadBytes = 8 * 1024 * 1024 - 1024;

    public IReadOnlyList<int> RemotingPorts { get; }

    public IReadOnlyList<int> LmtpPorts { get; }

    /// <summary>Each node's Akka.Management endpoint, with bootstrap; none with a seed node.</summary>
    public IReadOnlyList<int>? ManagementPorts { get; }

    /// <summary>Each node's HTTP endpoint (/readyz, /metrics), when asked for; none otherwise.</summary>
    public IReadOnlyList<int>? HttpPorts { get; }

    public CollectorProcess this[int index] => _nodes[index] ?? throw new InvalidOperationException($"node {index} is not running");

    /// <param name="directory">Where the nodes' configuration files go.</param>
    /// <param name="sinkDeadlineSeconds">The sessions' (and so the cross-node hop's) deadline.</param>
    /// <param name="brokerPorts">One per node: the broker port it publishes to.</param>
    /// <param name="http">Give each node an HTTP endpoint (<see cref="HttpPorts"/>).</param>
    /// <param name="nodeConfig">More of a node's configuration (YAML lines), by its index.</param>
    /// <param name="bootstrap">Form the cluster through Cluster Bootstrap (config discovery, every node required) instead of a seed node.</param>
    public static async Task<CollectorCluster> StartAsync(string directory, int sinkDeadlineSeconds, int[] brokerPorts, bool http = false,
        Func<int, string>? nodeConfig = null, bool bootstrap = false)
    {
        var remoting = brokerPorts.Select(_ => FreePort()).ToArray();
        var lmtp = brokerPorts.Select(_ => FreePort()).ToArray();
        var management = bootstrap ? brokerPorts.Select(_ => FreePort()).ToArray() : null;
        var endpoints = management is null ? "" : string.Join(", ", management.Select(port => $"\"127.0.0.1:{port}\""));
        // How the cluster forms: YAML under cluster:, each line after the first indented as the section's keys are.
        string Formation(int i) => management is null ? $"seed_nodes: [\"127.0.0.1:{remoting[0]}\"]"
            : $"discovery: config\n  management_port: {management[i]}\n  required_contact_points: {management.Length}\n  endpoints: [{endpoints}]";
        var configs = new string[brokerPorts.Length];
        var feeds = new string[brokerPorts.Length];
        for (var i = 0; i < brokerPorts.Length; i++)
        {
            feeds[i] = Path.Combine(directory, $"feed-{i}.yml");
            await File.WriteAllTextAsync(feeds[i], $"""
                broker: "127.0.0.1"
                port: {brokerPorts[i]}
                identity: "writer"
                secret: "secret"
                channels: ["spam.mails"]
                confirm: true
                max_payload_bytes: {MaxPayloadBytes}
                max_backoff_seconds: 1
                spool_directory: {Path.Combine(directory, $"spool-{i}")}
                """);
            configs[i] = Path.Combine(directory, $"node-{i}.yml");
            await File.WriteAllTextAsync(configs[i], $"""
                listen: 127.0.0.1:{lmtp[i]}
                domains: [trap.example]
                sink_deadline_seconds: {sinkDeadlineSeconds}
                cluster:
                  host: 127.0.0.1
                  port: {remoting[i]}
                  {Formation(i)}
                {nodeConfig?.Invoke(i) ?? ""}
                """);
        }
        var cluster = new CollectorCluster(configs, feeds, remoting, lmtp, http ? brokerPorts.Select(_ => FreePort()).ToArray() : null, management);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, configs.Length).Select(cluster.StartAsync));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts node <paramref name="index"/> (again, after <see cref="KillAsync"/>) on its ports.</summary>
    public async Task StartAsync(int index) =>
        _nodes[index] = await CollectorProcess.StartAsync(["--config", _configs[index], "--feed-config", _feeds[index], "--listen", $"127.0.0.1:{LmtpPorts[index]}",
            .. HttpPorts is null ? Array.Empty<string>() : ["--http", $"127.0.0.1:{HttpPorts[index]}"]]);

    /// <summary>kill -9 of node <paramref name="index"/>; its output stays readable until it is started again.</summary>
    public async Task KillAsync(int index) => await this[index].KillAsync();

    /// <summary>Waits (bounded) until node <paramref name="index"/>'s cluster sink last said its publishers are as given.</summary>
    public async Task WaitForPublishersAsync(int index, bool localUp, int connectedPeers)
    {
        var until = DateTime.UtcNow + StateDeadline;
        var wanted = $"local link {(localUp ? "up" : "down")}, connected peers: {connectedPeers} ";
        while (true)
        {
            var last = PublishersLine().Matches(this[index].Output).LastOrDefault()?.Groups[1].Value;
            if (last is not null && last.StartsWith(wanted, StringComparison.Ordinal))
                return;
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"node {index}: publishers never '{wanted}', last '{last}':\n{this[index].Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="text"/> appears in node <paramref name="index"/>'s output.</summary>
    public async Task WaitForOutputAsync(int index, string text)
    {
        var until = DateTime.UtcNow + StateDeadline;
        while (!this[index].Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"node {index} never said '{text}':\n{this[index].Output}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            if (node is not null)
                await node.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"publishers: (.*)$", RegexOptions.Multiline)]
    private static partial Regex PublishersLine();
}
