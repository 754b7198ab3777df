using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SmtpCollector.TestBroker;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>What the archive tests share: reading a Maildir back, feed configurations, distinct messages, free ports.</summary>
public static class Archive
{
    /// <summary>Every message file in the Maildir (new/ and cur/), by the SHA-256 of its bytes; and how many files there are.</summary>
    public static (Dictionary<string, byte[]> BySha256, int Files) Read(string maildir)
    {
        var messages = new Dictionary<string, byte[]>();
        var files = 0;
        foreach (var folder in new[] { "new", "cur" })
        {
            var path = Path.Combine(maildir, folder);
            if (!Directory.Exists(path))
                continue;
            foreach (var file in Directory.GetFiles(path))
            {
                var bytes = File.ReadAllBytes(file);
                messages[Sha256(bytes)] = bytes;
                files++;
            }
        }
        return (messages, files);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The feed configuration for <see cref="FeedBroker"/>'s writer, with confirmation.</summary>
    public static string WriteFeedConfig(TempDirectory temp, int port, string name = "feed_config.yml")
    {
        var path = temp.File(name);
        File.WriteAllText(path, $"""
            broker: "127.0.0.1"
            port: {port}
            identity: "writer"
            secret: "secret"
            channels: ["spam.mails"]
            confirm: true
            spool_directory: {temp.File("spool")}
            """);
        return path;
    }

    /// <summary>A message unlike any other (its own Message-ID), of about <paramref name="bodyBytes"/> bytes.</summary>
    public static byte[] Message(int i, int bodyBytes = 200)
    {
        var body = new StringBuilder();
        while (body.Length < bodyBytes)
            body.Append(CultureInfoFree($"line {body.Length} of message {i}\r\n"));
        return Encoding.ASCII.GetBytes($"From: <s{i}@spam.example>\r\nTo: <v@trap.example>\r\nSubject: archive test {i}\r\n"
            + $"Message-ID: <{Guid.NewGuid():N}@spam.example>\r\n\r\n{body}");
    }

    /// <summary>The test broker with <see cref="FeedBroker"/>'s accounts, and no subscriber yet.</summary>
    public static Task<HpfeedsBroker> StartBrokerAsync() => HpfeedsBroker.StartAsync(new BrokerOptions
    {
        Accounts =
        [
            new BrokerAccount("writer", "secret", ["spam.mails", "writer.confirm"], ["writer.confirm"]),
            new BrokerAccount("backend", "backend-secret", [], ["spam.mails"]),
        ],
    });

    /// <summary>A subscriber to spam.mails that the broker knows of (its SUBSCRIBE processed).</summary>
    public static async Task<HpfeedsSubscriber> SubscribeAsync(HpfeedsBroker broker, int subscribersThen = 1)
    {
        var subscriber = await HpfeedsSubscriber.ConnectAsync(broker.Port, "backend", "backend-secret", ["spam.mails"]);
        await broker.WaitForSubscribersAsync("spam.mails", subscribersThen, TimeSpan.FromSeconds(10));
        return subscriber;
    }

    /// <summary>The message bytes of a json payload (msg, or msg_b64 when it is there).</summary>
    public static byte[] Bytes(ReadOnlyMemory<byte> payload)
    {
        var json = System.Text.Json.JsonDocument.Parse(payload).RootElement;
        return json.TryGetProperty("msg_b64", out var b64)
            ? Convert.FromBase64String(b64.GetString()!)
            : Encoding.UTF8.GetBytes(json.GetProperty("msg").GetString()!);
    }

    /// <summary>Checks <paramref name="condition"/> every 50 ms until it holds; false if it did not within <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string CultureInfoFree(FormattableString text) => FormattableString.Invariant(text);
}
