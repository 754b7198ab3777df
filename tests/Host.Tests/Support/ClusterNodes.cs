using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmtpCollector.TestBroker;
using Xunit;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>What the cluster tests add to <see cref="CollectorCluster"/>: a broker and subscriber for large payloads, and what the subscriber got.</summary>
public static class ClusterNodes
{
    /// <summary>Payloads over 1 MiB are published whole: the broker and subscriber take frames this large.</summary>
    public const int MaxFrameBytes = 8 * 1024 * 1024;

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

    /// <summary>Node <paramref name="index"/>'s <c>cluster</c> in /api/status, checked: its members are the cluster's nodes, each Up and reachable.</summary>
    public static async Task<JsonElement> UpMembersAsync(CollectorCluster cluster, int index)
    {
        using var status = JsonDocument.Parse(await MetricsScrape.GetAsync(cluster.HttpPorts![index], "/api/status"));
        var view = status.RootElement.GetProperty("cluster").Clone();
        var members = view.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(cluster.RemotingPorts.Select(port => $"akka.tcp://smtp-collector@127.0.0.1:{port}").Order(StringComparer.Ordinal),
            members.Select(m => m.GetProperty("address").GetString()));
        Assert.All(members, m => Assert.Equal(("Up", true), (m.GetProperty("status").GetString(), m.GetProperty("reachable").GetBoolean())));
        return view;
    }
}
