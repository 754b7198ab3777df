using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmtpCollector.TestBroker;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>
/// Collector processes as the nodes of one cluster on loopback: remoting on free ports picked here, LMTP on port 0, the
/// first node the seed. Each node publishes to the broker port it is given (a dead one, for a node whose link is down).
/// </summary>
public sealed partial class ClusterNodes : IAsyncDisposable
{
    private static readonly TimeSpan StateDeadline = TimeSpan.FromSeconds(60);

    private ClusterNodes(IReadOnlyList<CollectorProcess> nodes, IReadOnlyList<int> remotingPorts)
    {
        Nodes = nodes;
        RemotingPorts = remotingPorts;
    }

    public IReadOnlyList<int> RemotingPorts { get; }

    public IReadOnlyList<CollectorProcess> Nodes { get; }

    public CollectorProcess this[int index] => Nodes[index];

    /// <summary>Payloads over 1 MiB are published whole: the broker and subscriber take frames this large.</summary>
    public const int MaxFrameBytes = 8 * 1024 * 1024;

    public static async Task<ClusterNodes> StartAsync(TempDirectory temp, params int[] brokerPorts)
    {
        var remoting = brokerPorts.Select(_ => MetricsScrape.FreePort()).ToArray();
        var starts = brokerPorts.Select((brokerPort, i) =>
        {
            var feed = temp.File($"feed-{i}.yml");
            File.WriteAllText(feed, $"""
                broker: "127.0.0.1"
                port: {brokerPort}
                identity: "writer"
                secret: "secret"
                channels: ["spam.mails"]
                confirm: true
                max_payload_bytes: {MaxFrameBytes - 1024}
                max_backoff_seconds: 1
                spool_directory: {temp.File($"spool-{i}")}
                """);
            var config = temp.File($"node-{i}.yml");
            File.WriteAllText(config, $"""
                domains: [trap.example]
                sink_deadline_seconds: 20
                cluster:
                  host: 127.0.0.1
                  port: {remoting[i]}
                  seed_nodes: ["127.0.0.1:{remoting[0]}"]
                """);
            return CollectorProcess.StartAsync("--config", config, "--feed-config", feed);
        }).ToList();
        try
        {
            return new ClusterNodes(await Task.WhenAll(starts), remoting);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
                await start.Result.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits (bounded) until node <paramref name="index"/>'s cluster sink last said its publishers are as given.</summary>
    public async Task WaitForPublishersAsync(int index, bool localUp, int connectedPeers)
    {
        var until = DateTime.UtcNow + StateDeadline;
        var wanted = $"local link {(localUp ? "up" : "down")}, connected peers: {connectedPeers} ";
        while (true)
        {
            var last = PublishersLine().Matches(Nodes[index].Output).LastOrDefault()?.Groups[1].Value;
            if (last is not null && last.StartsWith(wanted, StringComparison.Ordinal))
                return;
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"node {index}: publishers never '{wanted}', last '{last}':\n{Nodes[index].Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="text"/> appears in node <paramref name="index"/>'s output.</summary>
    public async Task WaitForOutputAsync(int index, string text)
    {
        var until = DateTime.UtcNow + StateDeadline;
        while (!Nodes[index].Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"node {index} never said '{text}':\n{Nodes[index].Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>The test broker with the writer (and its confirm channel) and one subscriber on spam.mails, both taking large frames.</summary>
    public static async Task<(HpfeedsBroker Broker, HpfeedsSubscriber Subscriber)> BrokerAsync(int port = 0)
    {
        var broker = await HpfeedsBroker.StartAsync(new BrokerOptions
        {
            Port = port,
            MaxFrameBytes = MaxFrameBytes,
            Accounts =
            [
                new BrokerAccount("writer", "secret", ["spam.mails", "writer.confirm"], ["writer.confirm"]),
                new BrokerAccount("backend", "backend-secret", [], ["spam.mails"]),
            ],
        });
        var subscriber = await HpfeedsSubscriber.ConnectAsync(broker.Port, "backend", "backend-secret", ["spam.mails"], maxFrameBytes: MaxFrameBytes);
        await broker.WaitForSubscribersAsync("spam.mails", 1, TimeSpan.FromSeconds(10));
        return (broker, subscriber);
    }

    /// <summary>Each published message's bytes (the json payload's <c>msg</c>), checked against its <c>sha256</c>, by that hash.</summary>
    public static IReadOnlyList<string> PublishedHashes(HpfeedsSubscriber subscriber) =>
        subscriber.Received.Select(frame =>
        {
            var json = JsonDocument.Parse(frame.Payload).RootElement;
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json.GetProperty("msg").GetString()!)));
            return sha256 == json.GetProperty("sha256").GetString() ? sha256 : throw new InvalidOperationException($"payload's bytes do not hash to {sha256}");
        }).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
    }

    [GeneratedRegex(@"publishers: (.*)$", RegexOptions.Multiline)]
    private static partial Regex PublishersLine();
}
