using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>
/// The real program (socket completions inline on the socket engine's thread, as it sets them) publishing over TLS with
/// confirm: the broker connection's writes, reads and handshake all complete on that thread. Messages from 1 KB to
/// 700 KB (their json stays under the broker's 1 MB payload limit), so that frames span many segments and writes wait
/// for the socket.
/// </summary>
public sealed class HpfeedsTlsProcessTests
{
    [Fact]
    public async Task Messages_of_every_size_reach_the_subscriber_over_tls_with_confirm()
    {
        await using var feedBroker = await FeedBroker.StartAsync();
        var (broker, subscriber) = (feedBroker.Broker, feedBroker.Subscriber);
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("tls"));
        await using var proxy = TlsProxy.Start(broker.Port, temp.File("tls"));

        var feed = temp.File("feed_config.yml");
        await File.WriteAllTextAsync(feed, $"""
            broker: "127.0.0.1"
            port: {proxy.Port}
            tls: true
            ca_file: {proxy.CaFile}
            server_name: localhost
            identity: "writer"
            secret: "secret"
            channels: ["spam.mails"]
            confirm: true
            spool_directory: {temp.File("spool")}
            """);
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed);

        var sent = new Dictionary<string, byte[]>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 4), async (client, _) =>
        {
            var random = new Random(client);
            await using var lmtp = await LmtpClient.OpenAsync(collector.EndPoint);
            foreach (var size in new[] { 1_000, 70_000, 300_000, 700_000, 5_000 })
            {
                var body = Message(size + client, random);
                var reply = (await lmtp.DeliverAsync(body, "victim@trap.example"))[0];
                Assert.True(reply.StartsWith("250 2.0.0", StringComparison.Ordinal), $"{size}: {reply}");
                lock (sent)
                    sent[Convert.ToHexStringLower(SHA256.HashData(body))] = body;
            }
        });

        Assert.Equal(20, sent.Count);
        var frames = await subscriber.WaitForAsync(sent.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(sent.Count, frames.Count);
        Assert.False(Directory.Exists(temp.File("spool")) && Directory.EnumerateFiles(temp.File("spool")).Any(), "something was spooled");
        foreach (var frame in frames)
        {
            var json = JsonDocument.Parse(frame.Payload).RootElement;
            var sha256 = json.GetProperty("sha256").GetString()!;
            Assert.True(sent.TryGetValue(sha256, out var bytes), $"{sha256} was not sent");
            Assert.Equal(Encoding.UTF8.GetString(bytes), json.GetProperty("msg").GetString());
        }
    }

    private static byte[] Message(int size, Random random)
    {
        var text = new StringBuilder("Subject: tls\r\n\r\n");
        while (text.Length < size)
            text.Append(random.Next()).Append(" spam words\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
