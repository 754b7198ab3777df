using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using SmtpCollector.TestBroker;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>The LMTP server publishing through the hpfeeds publisher to the in-repo broker (contract.md §2), read back by a subscriber.</summary>
public sealed class HpfeedsPublisherSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly string[] Channels = ["spam.mails", "spam.copy", "spam.third"];
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "hpfeeds-spool-" + Guid.NewGuid().ToString("N"));
    private HpfeedsBroker _broker = null!;

    public HpfeedsPublisherSpecs() : base("akka.loglevel = INFO")
    {
    }

    private static BrokerOptions BrokerOptions(int port = 0) => new()
    {
        Port = port,
        Accounts =
        [
            new BrokerAccount("writer", "secret", [.. Channels, "writer.confirm"], ["writer.confirm"]),
            new BrokerAccount("reader", "reader-secret", [], Channels),
            new BrokerAccount("mute", "mute-secret", ["elsewhere"], []),
        ],
    };

    public async Task InitializeAsync() => _broker = await HpfeedsBroker.StartAsync(BrokerOptions());

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        if (Directory.Exists(_spool))
            Directory.Delete(_spool, recursive: true);
    }

    private HpfeedsSettings Publisher(Func<HpfeedsSettings, HpfeedsSettings>? change = null)
    {
        var settings = new HpfeedsSettings
        {
            Host = "127.0.0.1",
            Port = _broker.Port,
            Ident = "writer",
            Secret = "secret",
            Channels = Channels,
            SpoolDirectory = _spool,
            MinBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(1),
        };
        return change is null ? settings : change(settings);
    }

    private async Task<Listener> StartAsync(HpfeedsSettings publisher, TimeSpan? sinkDeadline = null) =>
        await Listener.StartAsync(Sys, new LmtpServerSettings { HostName = "collector.test", SinkDeadline = sinkDeadline ?? TimeSpan.FromSeconds(10) },
            Sys.ActorOf(HpfeedsPublisherActor.Props(publisher)));

    private async Task<HpfeedsSubscriber> SubscribeAsync()
    {
        var subscriber = await HpfeedsSubscriber.ConnectAsync(_broker.Port, "reader", "reader-secret", Channels);
        foreach (var channel in Channels)
            await _broker.WaitForSubscribersAsync(channel, 1, Wait);
        return subscriber;
    }

    private static byte[] Message(int i, int size = 300) =>
        Encoding.ASCII.GetBytes($"Subject: message {i}\r\nMessage-Id: <{i}@test>\r\n\r\n{new string((char)('a' + i % 26), size)}\r\n.dot line\r\n");

    /// <summary>Sends one message (dot-stuffed) and returns the first recipient's reply.</summary>
    private static async Task<string> SendAsync(LmtpClient client, byte[] message)
    {
        await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
        await client.ExpectAsync("250");
        await client.ExpectAsync("250");
        await client.ExpectAsync("354");
        var stuffed = Encoding.ASCII.GetString(message).Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        await client.SendAsync(stuffed + ".\r\n");
        return await client.ReadReplyAsync() ?? "closed";
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task A_thousand_messages_over_twenty_sessions_reach_every_channel_exactly_once_byte_for_byte()
    {
        await using var subscriber = await SubscribeAsync();
        var listener = await StartAsync(Publisher());
        var sent = new ConcurrentDictionary<string, byte[]>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 20), async (session, _) =>
        {
            await using var client = await listener.ConnectAsync();
            for (var i = 0; i < 50; i++)
            {
                var message = Message(session * 1000 + i);
                var reply = await SendAsync(client, message);
                Assert.StartsWith("250 2.0.0", reply);
                sent[Sha256(message)] = message;
            }
        });

        var received = await subscriber.WaitForAsync(3 * 1000, Wait);
        Assert.Equal(1000, sent.Count);
        foreach (var channel in Channels)
        {
            var onChannel = received.Where(f => f.Channel == channel).Select(f => JsonDocument.Parse(f.Payload).RootElement).ToList();
            Assert.Equal(1000, onChannel.Count);
            var hashes = onChannel.Select(p => p.GetProperty("sha256").GetString()!).ToList();
            Assert.Equal(1000, hashes.Distinct().Count());
            foreach (var payload in onChannel)
            {
                var bytes = sent[payload.GetProperty("sha256").GetString()!];
                Assert.Equal(bytes, Encoding.UTF8.GetBytes(payload.GetProperty("msg").GetString()!));
                Assert.False(payload.TryGetProperty("envelope", out _));
            }
        }
        await listener.AssertBudgetReleasedAsync();
    }

    [Fact]
    public async Task Broker_down_gives_451_4_4_3_and_messages_flow_once_it_is_up()
    {
        var port = _broker.Port;
        await _broker.StopAsync();
        var listener = await StartAsync(Publisher(), sinkDeadline: TimeSpan.FromSeconds(1));
        await using var client = await listener.ConnectAsync();
        Assert.StartsWith("451 4.4.3", await SendAsync(client, Message(1)));

        _broker = await HpfeedsBroker.StartAsync(BrokerOptions(port));
        await using var subscriber = await SubscribeAsync();
        string reply = "";
        for (var attempt = 0; attempt < 20 && !reply.StartsWith("250", StringComparison.Ordinal); attempt++)
            reply = await SendAsync(client, Message(2));
        Assert.StartsWith("250 2.0.0", reply);
        var frame = (await subscriber.WaitForAsync(3, Wait))[0];
        Assert.Equal(Sha256(Message(2)), JsonDocument.Parse(frame.Payload).RootElement.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task With_confirm_every_250_survives_three_broker_restarts_and_reconnects_follow_the_backoff()
    {
        var port = _broker.Port;
        var listener = await StartAsync(Publisher(s => s with { Confirm = true }), sinkDeadline: TimeSpan.FromSeconds(2));
        await using var subscriber = new SubscriberAcrossRestarts(() => _broker);
        await subscriber.ConnectAsync();
        var confirmed = new List<string>();
        long connections = 0;
        await using var client = await listener.ConnectAsync();

        for (var restart = 0; restart < 3; restart++)
        {
            for (var i = 0; i < 20; i++)
            {
                var message = Message(restart * 100 + i);
                var reply = await SendAsync(client, message);
                if (reply.StartsWith("250", StringComparison.Ordinal))
                    confirmed.Add(Sha256(message));
                else if (!reply.StartsWith("451 4.4.3", StringComparison.Ordinal))
                    Assert.Fail($"unexpected reply {reply}");
            }
            await subscriber.CollectAsync(confirmed.Count);
            connections += _broker.ConnectionsAccepted;
            await _broker.StopAsync();
            _broker = await HpfeedsBroker.StartAsync(BrokerOptions(port));
            await subscriber.ConnectAsync();
        }

        Assert.NotEmpty(confirmed);
        var received = subscriber.Hashes("spam.mails");
        Assert.All(confirmed, sha256 => Assert.Contains(sha256, received));
        // Every broker life counted (the subscriber's connections included): one publisher connection per life plus a few
        // retries around each restart. A tight reconnect loop would be hundreds.
        connections += _broker.ConnectionsAccepted;
        Assert.InRange(connections, 4, 20);
    }

    [Fact]
    public async Task Wrong_secret_gives_451_and_one_warning_for_the_outage_not_one_per_attempt_within_the_backoff_schedule()
    {
        // Every attempt fails the same way; the operator needs to read it once, not once per retry.
        string? reply = null;
        var elapsed = TimeSpan.Zero;
        await EventFilter.Warning(contains: "Authentication failed for writer").ExpectAsync(1, async () =>
        {
            var listener = await StartAsync(Publisher(s => s with { Secret = "wrong", MinBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(30) }),
                sinkDeadline: TimeSpan.FromSeconds(2));
            await using var client = await listener.ConnectAsync();
            await _broker.WaitForConnectionsAsync(1, Wait);
            var started = DateTime.UtcNow;
            reply = await SendAsync(client, Message(1));
            elapsed = DateTime.UtcNow - started;
        });
        Assert.StartsWith("451 4.4.3", reply);
        // 200 ms, then about 400, 800, 1600 ms between attempts (±20%): in ~2 s more than one, no more than a handful.
        Assert.InRange(_broker.ConnectionsAccepted, 2, 6);
        Assert.True(elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_identity_not_allowed_to_publish_gets_451_never_250()
    {
        var listener = await StartAsync(Publisher(s => s with { Ident = "mute", Secret = "mute-secret", Confirm = true }), sinkDeadline: TimeSpan.FromSeconds(2));
        await using var client = await listener.ConnectAsync();
        Assert.StartsWith("451 4.4.3", await SendAsync(client, Message(1)));
    }

    [Fact]
    public async Task With_confirm_a_broker_that_silently_drops_frames_leads_to_451_not_250()
    {
        await using var subscriber = await SubscribeAsync();
        var listener = await StartAsync(Publisher(s => s with { Confirm = true }), sinkDeadline: TimeSpan.FromSeconds(2));
        await using var client = await listener.ConnectAsync();
        Assert.StartsWith("250 2.0.0", await SendAsync(client, Message(1)));

        _broker.DropPublishesAfter(0);
        Assert.StartsWith("451 4.4.3", await SendAsync(client, Message(2)));
    }

    [Fact]
    public async Task Oversize_payload_is_spooled_with_250_or_refused_with_552()
    {
        var spooling = await StartAsync(Publisher(s => s with { MaxPayloadBytesSetting = 2000 }));
        await using (var client = await spooling.ConnectAsync())
        {
            var big = Message(7, size: 5000);
            Assert.StartsWith("250 2.0.0", await SendAsync(client, big));
            Assert.Equal(big, await File.ReadAllBytesAsync(Path.Combine(_spool, Sha256(big) + ".eml")));
            Assert.StartsWith("250 2.0.0", await SendAsync(client, Message(8, size: 100)));
        }

        var rejecting = await StartAsync(Publisher(s => s with { MaxPayloadBytesSetting = 2000, Oversize = OversizePolicy.Reject }));
        await using var other = await rejecting.ConnectAsync();
        Assert.StartsWith("552 5.3.4", await SendAsync(other, Message(9, size: 5000)));
    }

    [Fact]
    public async Task A_frame_over_the_brokers_limit_closes_the_connection_and_with_confirm_gets_451()
    {
        // Misconfigured on purpose: max_payload_bytes above the broker's limit, so the broker drops the connection (no ERROR).
        var listener = await StartAsync(Publisher(s => s with { Confirm = true, MaxPayloadBytesSetting = 4_000_000 }), sinkDeadline: TimeSpan.FromSeconds(2));
        await using var client = await listener.ConnectAsync();
        Assert.StartsWith("451 4.4.3", await SendAsync(client, Message(1, size: 1_200_000)));
        Assert.StartsWith("250 2.0.0", await SendAsync(client, Message(2)));
    }

    [Fact]
    public async Task Tls_with_the_brokers_ca_publishes_and_a_certificate_for_another_name_is_refused()
    {
        Directory.CreateDirectory(_spool);
        await using var proxy = TlsProxy.Start(_broker.Port, _spool);
        await using var subscriber = await SubscribeAsync();

        var trusting = await StartAsync(Publisher(s => s with { Port = proxy.Port, Tls = true, CaFile = proxy.CaFile, ServerName = "localhost", AuthSettle = TimeSpan.Zero }));
        await using (var client = await trusting.ConnectAsync())
            Assert.StartsWith("250 2.0.0", await SendAsync(client, Message(1)));
        Assert.Equal(3, (await subscriber.WaitForAsync(3, Wait)).Count);

        var wrongName = await StartAsync(Publisher(s => s with { Port = proxy.Port, Tls = true, CaFile = proxy.CaFile, ServerName = "broker.example", AuthSettle = TimeSpan.Zero }),
            sinkDeadline: TimeSpan.FromSeconds(1));
        await using var other = await wrongName.ConnectAsync();
        Assert.StartsWith("451 4.4.3", await SendAsync(other, Message(2)));

        var systemTrust = await StartAsync(Publisher(s => s with { Port = proxy.Port, Tls = true, ServerName = "localhost", AuthSettle = TimeSpan.Zero }),
            sinkDeadline: TimeSpan.FromSeconds(1));
        await using var third = await systemTrust.ConnectAsync();
        Assert.StartsWith("451 4.4.3", await SendAsync(third, Message(3)));
    }

    /// <summary>A subscriber that reconnects after each broker restart and keeps everything it ever received.</summary>
    private sealed class SubscriberAcrossRestarts(Func<HpfeedsBroker> broker) : IAsyncDisposable
    {
        private readonly List<HpfeedsSubscriber> _lives = [];
        private readonly HashSet<string> _seen = [];

        public async Task ConnectAsync()
        {
            _lives.Add(await HpfeedsSubscriber.ConnectAsync(broker().Port, "reader", "reader-secret", ["spam.mails"]));
            await broker().WaitForSubscribersAsync("spam.mails", 1, Wait);
        }

        /// <summary>Waits (bounded) until the subscribers have received at least <paramref name="atLeast"/> distinct messages.</summary>
        public async Task CollectAsync(int atLeast)
        {
            for (var attempt = 0; attempt < 100 && Hashes("spam.mails").Count < atLeast; attempt++)
                await Task.Delay(50);
        }

        public HashSet<string> Hashes(string channel)
        {
            _seen.Clear();
            foreach (var frame in _lives.SelectMany(l => l.Received).Where(f => f.Channel == channel))
                _seen.Add(JsonDocument.Parse(frame.Payload).RootElement.GetProperty("sha256").GetString()!);
            return _seen;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var life in _lives)
                await life.DisposeAsync();
        }
    }
}
