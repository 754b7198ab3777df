using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Event;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using SmtpCollector.Protocol.Hpfeeds;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>
/// The publisher against brokers that misbehave on purpose: each connection is dropped by the publisher, retried after
/// a growing pause, mail gets 451 4.4.3 from the publisher by the sink deadline, and what it holds stays bounded.
/// </summary>
public sealed class HostileBrokerSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);
    private const int Window = 4;
    // The backoff starts at 100 ms and doubles (plus up to 20%) towards a 30 s ceiling: within a minute that is at most
    // ten attempts. A tight reconnect loop would make hundreds.
    private const int MaxAttempts = 12;

    public HostileBrokerSpecs() : base("akka.loglevel = WARNING")
    {
    }

    private static byte[] Info => FrameEncoder.Encode(new InfoFrame("hostile", new byte[] { 1, 2, 3, 4 }));

    private static byte[] Header(uint length, Opcode opcode)
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(length, opcode).WriteTo(header);
        return header;
    }

    private static HpfeedsSettings Publisher(int port, Func<HpfeedsSettings, HpfeedsSettings>? change = null)
    {
        var settings = new HpfeedsSettings
        {
            Host = "127.0.0.1",
            Port = port,
            Ident = "writer",
            Secret = "secret",
            Channels = ["spam.mails"],
            SpoolDirectory = Path.Combine(Path.GetTempPath(), "hostile-spool-unused"),
            MinBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(30),
            BrokerTimeout = TimeSpan.FromMilliseconds(300),
            AuthSettle = TimeSpan.Zero,
            Window = Window,
        };
        return change is null ? settings : change(settings);
    }

    /// <remarks>
    /// The publisher answers 451 4.4.3 once the sink deadline has passed; the session itself would give up 2 s later with
    /// 451 4.3.0, so a 4.4.3 is the publisher's own answer.
    /// </remarks>
    private async Task<(Listener Listener, IActorRef Publisher)> StartAsync(HpfeedsSettings settings, double sinkDeadlineSeconds = 0.5)
    {
        var publisher = Sys.ActorOf(HpfeedsPublisherActor.Props(settings), "hpfeeds-publisher");
        var lmtp = new LmtpServerSettings { HostName = "collector.test", SinkDeadline = TimeSpan.FromSeconds(sinkDeadlineSeconds) };
        var listener = await Listener.StartAsync(Sys, lmtp, publisher);
        return (listener, publisher);
    }

    private static async Task<string> SendAsync(LmtpClient client, int bodyBytes = 100)
    {
        await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
        await client.ExpectAsync("250");
        await client.ExpectAsync("250");
        await client.ExpectAsync("354");
        await client.SendAsync($"Subject: hostile\r\n\r\n{new string('x', bodyBytes)}\r\n.\r\n");
        return await client.ReadReplyAsync() ?? "closed";
    }

    /// <summary>
    /// Starts the publisher against <paramref name="broker"/> and checks what every hostile broker must get: mail answered
    /// 451 4.4.3 by the publisher, three connections each hung up by the publisher,
    /// a bounded number of attempts, nothing held, and no failure outside the broker connection actor.
    /// </summary>
    private async Task<IReadOnlyList<HostileConnection>> AssertDroppedAndRetriedAsync(HostileBroker broker)
    {
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var (listener, publisher) = await StartAsync(Publisher(broker.Port));
        await using var client = await listener.ConnectAsync();

        Assert.StartsWith("451 4.4.3", await SendAsync(client));
        var connections = (await broker.WaitForConnectionsAsync(3, Wait)).Take(3).ToList();
        foreach (var connection in connections)
            await connection.ClosedByClient.WaitAsync(Wait);

        await client.SendAsync("NOOP\r\n");
        await client.ExpectAsync("250 2.0.0");
        var status = await publisher.Ask<PublisherStatus>(new GetPublisherStatus(), Wait);
        Assert.Equal(0, status.Waiting);
        Assert.InRange(status.InFlight, 0, 1);
        Assert.InRange(broker.Connections.Count, 3, MaxAttempts);
        AssertOnlyTheConnectionFailed(errors);
        return connections;
    }

    private void AssertOnlyTheConnectionFailed(Akka.TestKit.TestProbe errors)
    {
        Assert.False(Sys.WhenTerminated.IsCompleted);
        // A hostile broker is an expected event of a network service: the connection stops and is retried, no ERROR is logged.
        Assert.False(errors.HasMessages, errors.HasMessages ? $"logged: {errors.ExpectMsg<Error>()}" : "");
    }

    [Theory]
    [InlineData(0x8000_0000u, false)]
    [InlineData(0xFFFF_FFFFu, false)]
    [InlineData(0x8000_0000u, true)]
    public async Task A_frame_announcing_gigabytes_is_refused_from_its_header_before_any_of_its_body(uint length, bool afterInfo)
    {
        var prelude = afterInfo ? Info : [];
        var header = Header(length, afterInfo ? Opcode.Publish : Opcode.Info);
        await using var broker = HostileBroker.Start(c => c.SendAndHoldAsync([.. prelude, .. header]));

        var connections = await AssertDroppedAndRetriedAsync(broker);

        // The broker holds the body back: the publisher hung up having seen the header alone, so it waited for, and kept, none of it.
        Assert.All(connections, c => Assert.Equal(prelude.Length + FrameHeader.Size, c.BytesSent));
    }

    public static TheoryData<string, byte[]> Garbage()
    {
        var random = new byte[64 * 1024];
        new Random(20260205).NextBytes(random);
        byte[] wrongNonce = [0, 0, 0, 14, 1, 7, .. "hostile"u8.ToArray(), 1];
        byte[] nameOverrun = [0, 0, 0, 10, 1, 200, 1, 2, 3, 4];
        return new()
        {
            { "an HTTP answer", Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") },
            { "random bytes", random },
            { "a length below the header", [0, 0, 0, 3, 1, 0, 0, 0] },
            { "an unknown opcode", [0, 0, 0, 6, 42, 0] },
            { "an INFO with a one-byte nonce", wrongNonce },
            { "an INFO whose name runs past the frame", nameOverrun },
            { "an ERROR instead of INFO", FrameEncoder.Encode(new ErrorFrame("go away")) },
            { "a PUBLISH after INFO", [.. Info, .. FrameEncoder.Encode(new PublishFrame("x", "spam.mails", "junk"u8.ToArray()))] },
            { "a second INFO", [.. Info, .. Info] },
        };
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Garbage_from_the_broker_drops_the_connection_and_it_is_retried_with_backoff(string what, byte[] bytes)
    {
        await using var broker = HostileBroker.Start(c => c.SendAndHoldAsync(bytes));

        var connections = await AssertDroppedAndRetriedAsync(broker);

        Assert.True(connections.Count == 3, what);
    }

    [Theory]
    [InlineData(1_048_581, "over the 64 KiB the publisher accepts from a broker: refused at the header")]
    [InlineData(60_000, "within the limit, trickled too slowly: dropped when the INFO has not arrived by broker_timeout")]
    [InlineData(0, "nothing at all after accepting: dropped when no INFO has arrived by broker_timeout")]
    public async Task An_info_that_never_ends_is_given_up_on_before_its_last_byte(int declaredLength, string why)
    {
        var frame = declaredLength == 0 ? [] : new byte[declaredLength];
        if (declaredLength > 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)declaredLength);
            frame[4] = (byte)Opcode.Info;
        }
        await using var broker = HostileBroker.Start(c => c.TrickleAsync(frame, Pace));

        var connections = await AssertDroppedAndRetriedAsync(broker);

        Assert.All(connections, c => Assert.True(c.BytesSent < Math.Max(declaredLength, 1), why));
    }

    [Fact]
    public async Task A_broker_that_stops_reading_has_its_stalled_connection_dropped_and_retried()
    {
        // A 4 KiB receive buffer on the broker's side: the publisher's writes stall once its own send buffer is full.
        await using var broker = HostileBroker.Start(async c =>
        {
            await c.SendAsync(Info);
            await c.NeverReadAsync();
        }, receiveBufferBytes: 4096);
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var (listener, publisher) = await StartAsync(Publisher(broker.Port), sinkDeadlineSeconds: 1);
        const int bodyBytes = 400 * 1024;

        var (replies, largest) = await FloodAsync(listener, publisher, sessions: 24, messagesEach: 1, bodyBytes);

        // Without confirm, 250 means "written to the socket" (README): what the kernel took before the stall is 250.
        Assert.All(replies, IsWrittenOrNotPublished);
        Assert.InRange(largest, 0, Window * (bodyBytes + 1024L));
        // 9.6 MB offered is more than a loopback socket buffers (4 MiB at most): a write stalled and its connection was dropped.
        Assert.InRange(broker.Connections.Count, 2, MaxAttempts);
        AssertOnlyTheConnectionFailed(errors);
    }

    [Fact]
    public async Task Messages_answered_451_while_the_broker_is_not_reading_keep_their_window_places_so_the_connection_queues_no_more()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var broker = HostileBroker.Start(async c =>
        {
            await c.SendAsync(Info);
            await release.Task.WaitAsync(c.Stopping);
            before.TrySetResult(await c.CountPublishesBeforeAsync(p => Encoding.UTF8.GetString(p.Payload.Span).Contains("Subject: probe", StringComparison.Ordinal)));
        }, receiveBufferBytes: 4096);
        // No broker timeout to speak of: the stalled connection stays, and the window alone bounds what it is handed.
        var (listener, publisher) = await StartAsync(Publisher(broker.Port, s => s with { BrokerTimeout = TimeSpan.FromMinutes(5), Window = 2 }));

        // Waves of messages, each arriving after the previous one was answered 451: without the window places kept,
        // every wave would be handed to the stalled connection and queued there.
        var (replies, _) = await FloodAsync(listener, publisher, sessions: 4, messagesEach: 6, bodyBytes: 400 * 1024);
        // The sessions have answered, but the publisher still holds the bodies whose frames are with the connection.
        Assert.InRange(listener.Budget.Used, 1, 2 * 512 * 1024);
        release.SetResult();
        await using (var client = await listener.ConnectAsync())
        {
            await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
            await client.ExpectAsync("250");
            await client.ExpectAsync("250");
            await client.ExpectAsync("354");
            await client.SendAsync("Subject: probe\r\n\r\nlast\r\n.\r\n");
            await client.ExpectAsync("250 2.0.0");
        }

        Assert.All(replies, IsWrittenOrNotPublished);
        var written = replies.Count(r => r.StartsWith("250", StringComparison.Ordinal));
        Assert.True(written < replies.Count, "the broker's buffers took every message: nothing was held back");
        // Frames arrive in the order they were handed over: before the probe come the ones written (250) and at most a
        // window of others, never the whole backlog of messages answered 451.
        Assert.InRange(await before.Task.WaitAsync(Wait), written, written + 2);
        Assert.Single(broker.Connections);
        await listener.AssertBudgetReleasedAsync();
    }

    [Fact]
    public async Task With_confirm_a_broker_that_never_reads_gets_every_message_451_and_is_retried()
    {
        await using var broker = HostileBroker.Start(async c =>
        {
            await c.SendAsync(Info);
            await c.NeverReadAsync();
        }, receiveBufferBytes: 4096);
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var (listener, publisher) = await StartAsync(Publisher(broker.Port, s => s with { Confirm = true }));

        var (replies, largest) = await FloodAsync(listener, publisher, sessions: 8, messagesEach: 2, bodyBytes: 1000);

        Assert.All(replies, r => Assert.StartsWith("451 4.4.3", r));
        Assert.InRange(largest, 0, Window * 2048L);
        // Small frames fit the socket buffers, so no write stalls: it is the marker never echoed that drops the connection.
        Assert.InRange(broker.Connections.Count, 2, MaxAttempts);
        AssertOnlyTheConnectionFailed(errors);
    }

    private static void IsWrittenOrNotPublished(string reply) =>
        Assert.True(reply.StartsWith("250 2.0.0", StringComparison.Ordinal) || reply.StartsWith("451 4.4.3", StringComparison.Ordinal), reply);

    /// <summary>Sessions sending in parallel while the publisher's status is sampled; the replies and the most frame bytes it held.</summary>
    private static async Task<(List<string> Replies, long LargestInFlightBytes)> FloodAsync(
        Listener listener, IActorRef publisher, int sessions, int messagesEach, int bodyBytes)
    {
        var replies = new List<string>();
        using var done = new CancellationTokenSource();
        var sampling = SampleAsync(publisher, done.Token);
        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = sessions }, async (_, _) =>
        {
            await using var client = await listener.ConnectAsync();
            for (var i = 0; i < messagesEach; i++)
            {
                var reply = await SendAsync(client, bodyBytes);
                lock (replies)
                    replies.Add(reply);
            }
        });
        await done.CancelAsync();
        return (replies, await sampling);
    }

    private static async Task<long> SampleAsync(IActorRef publisher, CancellationToken done)
    {
        long largest = 0;
        while (!done.IsCancellationRequested)
        {
            var status = await publisher.Ask<PublisherStatus>(new GetPublisherStatus(), Wait, CancellationToken.None);
            largest = Math.Max(largest, status.InFlightBytes);
            Assert.InRange(status.InFlight, 0, Window);
            try
            {
                // Sampling cadence, not synchronisation: the bound must hold at every sample.
                await Task.Delay(25, done);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return largest;
    }
}
