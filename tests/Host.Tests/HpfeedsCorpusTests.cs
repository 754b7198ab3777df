using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The real program with --feed-config: the whole spam corpus reaches a subscriber of the broker byte for byte.</summary>
public sealed class HpfeedsCorpusTests
{
    [Fact]
    public async Task Every_corpus_message_reaches_the_subscriber_through_msg_or_msg_b64()
    {
        var files = Directory.GetFiles(Paths.CorpusMessages, "*.eml").Order(StringComparer.Ordinal).ToArray();
        await using var feedBroker = await FeedBroker.StartAsync();
        var (broker, subscriber) = (feedBroker.Broker, feedBroker.Subscriber);

        using var temp = new TempDirectory();
        var feed = temp.File("feed_config.yml");
        await File.WriteAllTextAsync(feed, $"""
            broker: "127.0.0.1"
            port: {broker.Port}
            identity: "writer"
            secret_env: SMTP_COLLECTOR_TEST_FEED_SECRET
            channels: ["spam.mails"]
            confirm: true
            spool_directory: {temp.File("spool")}
            """);
        Environment.SetEnvironmentVariable("SMTP_COLLECTOR_TEST_FEED_SECRET", "secret");
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed);

        var sent = new Dictionary<string, byte[]>();
        await Parallel.ForEachAsync(files.Chunk((files.Length + 3) / 4), async (share, cancel) =>
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            foreach (var file in share)
            {
                var bytes = MessageBytes.ToCrlf(await File.ReadAllBytesAsync(file, cancel));
                var reply = (await client.DeliverAsync(bytes, "victim@trap.example"))[0];
                Assert.True(reply.StartsWith("250 2.0.0", StringComparison.Ordinal), $"{Path.GetFileName(file)}: {reply}");
                lock (sent)
                    sent[Convert.ToHexStringLower(SHA256.HashData(bytes))] = bytes;
            }
        });

        // The one message over the broker's frame limit (1.5 MB) is spooled, not published.
        var spooled = Directory.Exists(temp.File("spool")) ? Directory.GetFiles(temp.File("spool"), "*.eml") : [];
        var frames = await subscriber.WaitForAsync(sent.Count - spooled.Length, TimeSpan.FromSeconds(60));
        var received = new Dictionary<string, byte[]>();
        foreach (var frame in frames)
        {
            var json = JsonDocument.Parse(frame.Payload).RootElement;
            var bytes = json.TryGetProperty("msg_b64", out var b64)
                ? Convert.FromBase64String(b64.GetString()!)
                : Encoding.UTF8.GetBytes(json.GetProperty("msg").GetString()!);
            received[json.GetProperty("sha256").GetString()!] = bytes;
        }
        foreach (var file in spooled)
            received[Path.GetFileNameWithoutExtension(file)] = await File.ReadAllBytesAsync(file);

        Assert.Equal(sent.Count, received.Count);
        foreach (var (sha256, bytes) in sent)
        {
            Assert.True(received.TryGetValue(sha256, out var got), $"{sha256} not received");
            Assert.True(bytes.AsSpan().SequenceEqual(got), $"{sha256} received with different bytes");
        }
        Assert.Single(spooled);
        Assert.DoesNotContain("secret\"", collector.Output, StringComparison.Ordinal);
    }
}
