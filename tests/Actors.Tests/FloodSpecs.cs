using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>Floods and slow clients at a small scale: connection floods, byte-at-a-time clients, pipelining without reading, memory floods.</summary>
public sealed class FloodSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly LmtpServerSettings Defaults = new() { HostName = "collector.test" };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flood-specs-" + Guid.NewGuid().ToString("N"));

    public FloodSpecs() : base("akka.loglevel = WARNING")
    {
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<string> TransactAsync(LmtpClient client, string body = "Subject: x\r\n\r\nhello\r\n", bool declareSize = false)
    {
        var size = declareSize ? $" SIZE={body.Length}" : "";
        await client.SendAsync($"MAIL FROM:<s@example.net>{size}\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
        await client.ExpectAsync("250 2.1.0");
        await client.ExpectAsync("250 2.1.5");
        await client.ExpectAsync("354");
        await client.SendAsync(body + ".\r\n");
        return await client.ReadReplyAsync() ?? "closed";
    }

    [Fact]
    public async Task Connections_beyond_max_connections_in_a_transaction_get_421_and_a_client_arriving_when_a_place_is_free_is_served()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { MaxConnections = 20 });
        var idle = new List<LmtpClient>();
        for (var i = 0; i < 20; i++)
        {
            // Stalled inside a transaction: connections idle between transactions would be closed to make room (IdleFloodSpecs).
            idle.Add(await listener.ConnectAsync());
            await idle[i].SendAsync("MAIL FROM:<s@example.net>\r\n");
            await idle[i].ExpectAsync("250");
        }

        var refused = await Task.WhenAll(Enumerable.Range(0, 60).Select(async _ =>
        {
            await using var extra = await listener.ConnectAsync(greet: false);
            return (Reply: await extra.ReadReplyAsync(), Closed: await extra.ClosedByServerAsync());
        }));
        Assert.All(refused, r => Assert.StartsWith("421 4.3.2", r.Reply));
        Assert.All(refused, r => Assert.True(r.Closed));

        await idle[0].DisposeAsync();
        // The place frees up once the server has seen the close, which a client cannot observe: tries until a deadline.
        LmtpClient? served = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (served is null && DateTime.UtcNow < deadline)
        {
            var late = await listener.ConnectAsync(greet: false);
            if ((await late.ReadReplyAsync())?.StartsWith("220 ", StringComparison.Ordinal) == true)
                served = late;
            else
            {
                await late.DisposeAsync();
                await Task.Delay(20);
            }
        }
        Assert.NotNull(served);
        await served.SendAsync("LHLO late.client\r\n");
        await served.ExpectAsync("250");
        Assert.StartsWith("250 2.0.0", await TransactAsync(served));
        await served.DisposeAsync();
        foreach (var client in idle.Skip(1))
            await client.DisposeAsync();
    }

    [Fact]
    public async Task A_client_sending_one_byte_at_a_time_gets_every_reply_right_and_its_message_byte_for_byte()
    {
        var listener = await Listener.StartAsync(Sys, Defaults);
        await using var client = await listener.ConnectAsync(greet: false);
        async Task TrickleAsync(string text)
        {
            foreach (var b in Encoding.ASCII.GetBytes(text))
            {
                await client.SendAsync([b]);
                await Task.Delay(1);
            }
        }

        await client.ExpectAsync("220 ");
        await TrickleAsync("LHLO slow.client\r\n");
        Assert.Contains("PIPELINING", await client.ExpectAsync("250-"), StringComparison.Ordinal);
        await TrickleAsync("MAIL FROM:<s@example.net>\r\n");
        await client.ExpectAsync("250 2.1.0");
        await TrickleAsync("RCPT TO:<a@trap.example>\r\n");
        await client.ExpectAsync("250 2.1.5");
        await TrickleAsync("RCPT TO:<b@trap.example>\r\n");
        await client.ExpectAsync("250 2.1.5");
        await TrickleAsync("DATA\r\n");
        await client.ExpectAsync("354");
        await TrickleAsync("Subject: slow\r\n\r\n..a line that began with a dot\r\nlast\r\n.\r\n");
        Assert.StartsWith("250 2.0.0 <a@trap.example>", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0 <b@trap.example>", await client.ReadReplyAsync());
        await TrickleAsync("QUIT\r\n");
        await client.ExpectAsync("221");

        var stored = Assert.Single(listener.Stored);
        Assert.Equal("Subject: slow\r\n\r\n.a line that began with a dot\r\nlast\r\n"u8.ToArray(), stored.Body.ToArray());
    }

    [Fact]
    public async Task A_command_trickled_slower_than_the_idle_timeout_gets_421_although_its_bytes_keep_coming()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { CommandIdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await listener.ConnectAsync();

        // The timeout is for a whole command, not for each byte: a line that never ends cannot hold the connection.
        var reply = client.ReadReplyAsync();
        try
        {
            await client.SendAsync("NOOP");
            for (var i = 0; i < 2000 && !reply.IsCompleted; i++)
            {
                await client.SendAsync(" "u8.ToArray());
                await Task.Delay(20);
            }
        }
        catch (IOException)
        {
            // The server closed the connection while bytes were still coming.
        }

        var first = await reply;
        // Only a very slow machine would let the line reach 512 bytes first: that is answered, and the timeout follows.
        while (first?.StartsWith("500 5.5.2", StringComparison.Ordinal) == true)
            first = await client.ReadReplyAsync();
        Assert.StartsWith("421 4.4.2", first);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_message_trickled_within_the_idle_timeout_but_past_the_message_deadline_gets_421()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with
        {
            DataIdleTimeout = TimeSpan.FromSeconds(30),
            MessageDeadline = TimeSpan.FromMilliseconds(500),
        });
        await using var client = await listener.ConnectAsync();
        await client.SendAsync("LHLO slow.example\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<x@trap.example>\r\nDATA\r\n"u8.ToArray());
        for (var i = 0; i < 4; i++)
            await client.ReadReplyAsync();

        // One byte every 20 ms: never idle for the data idle timeout, yet the message never ends.
        var reply = client.ReadReplyAsync();
        try
        {
            for (var i = 0; i < 2000 && !reply.IsCompleted; i++)
            {
                await client.SendAsync("x"u8.ToArray());
                await Task.Delay(20);
            }
        }
        catch (IOException)
        {
            // The server closed the connection while bytes were still coming.
        }

        Assert.StartsWith("421 4.4.2", await reply);
        Assert.True(await client.ClosedByServerAsync());
        Assert.Empty(listener.Stored);
    }

    [Fact]
    public async Task A_hundred_thousand_pipelined_noops_from_a_client_not_reading_stall_the_connection_at_the_reply_bound_and_are_all_answered_once_it_reads()
    {
        const int noops = 100_000;
        const int perChunk = 1_000;
        var settings = Defaults;
        var session = Sys.ActorOf(LmtpSessionActor.Props(settings, Sys.ActorOf(RecordingSinkActor.Props([])), new InFlightBudget(settings.MaxInFlightBytes)));
        var chunk = ByteString.FromBytes(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", perChunk))));
        var materializer = Sys.Materializer();

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (client, server) = this.SourceProbe<ByteString>()
                .Via(Flow.FromGraph(new LmtpConnectionStage(session, "192.0.2.1:1", settings)).WithAttributes(Attributes.CreateInputBuffer(1, 1)))
                .ToMaterialized(this.SinkProbe<ByteString>(), Keep.Both)
                .Run(materializer);

            // The client writes while the server asks for more, and reads nothing.
            var sent = 0;
            while (sent < noops / perChunk && await DemandAsync(client, TimeSpan.FromSeconds(1)) is var demand && demand > 0)
            {
                for (var i = 0; i < demand && sent < noops / perChunk; i++, sent++)
                    client.SendNext(chunk);
            }

            // 64 KiB of replies held (4,681 answers of 14 bytes: under 5 chunks), one chunk being framed, one in the input buffer.
            var bound = settings.MaxPendingReplyBytes / "250 2.0.0 Ok\r\n".Length / perChunk + 3;
            Assert.InRange(sent, 1, bound);

            // Once it reads, everything comes, in order.
            server.Request(long.MaxValue);
            var feeding = Task.Run(async () =>
            {
                while (sent < noops / perChunk)
                {
                    var more = await DemandAsync(client, TimeSpan.FromSeconds(20));
                    for (var i = 0; i < more && sent < noops / perChunk; i++, sent++)
                        client.SendNext(chunk);
                }
                await DemandAsync(client, TimeSpan.FromSeconds(20));
                client.SendNext(ByteString.FromString("QUIT\r\n"));
                client.SendComplete();
            });
            var replies = await ReadAllAsync(server);
            await feeding;
            var lines = replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("220 ", lines[0]);
            Assert.Equal(noops, lines.Skip(1).TakeWhile(l => l == "250 2.0.0 Ok").Count());
            Assert.StartsWith("221 ", lines[^1]);
            Assert.Equal(noops + 2, lines.Length);
        }, materializer);
    }

    private static async Task<long> DemandAsync(TestPublisher.Probe<ByteString> client, TimeSpan wait)
    {
        using var cancel = new CancellationTokenSource(wait);
        try
        {
            return await client.ExpectRequestAsync(cancel.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or Xunit.Sdk.XunitException)
        {
            return 0;
        }
    }

    private static async Task<string> ReadAllAsync(TestSubscriber.Probe<ByteString> server)
    {
        var text = new StringBuilder();
        while (true)
        {
            var next = await server.ExpectEventAsync();
            switch (next)
            {
                case TestSubscriber.OnNext<ByteString> bytes:
                    text.Append(bytes.Element.ToString(Encoding.ASCII));
                    break;
                case TestSubscriber.OnComplete:
                    return text.ToString();
                default:
                    throw new InvalidOperationException($"unexpected {next}");
            }
        }
    }

    [Fact]
    public async Task A_pipelining_client_that_never_reads_is_cut_off_by_the_idle_timeout_while_others_are_served()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { CommandIdleTimeout = TimeSpan.FromSeconds(1), CloseGrace = TimeSpan.FromSeconds(1) });
        await using var greedy = await listener.ConnectAsync();
        // LHLO has the longest reply per byte sent (about 20 times), so the buffers between the two fill quickly.
        var commands = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("LHLO greedy\r\n", 5_000)));

        // It writes until the server stops reading, then hangs in its write until the server drops the connection.
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 1_000; i++)
                await greedy.SendAsync(commands);
        });

        await using (var polite = await listener.ConnectAsync())
            Assert.StartsWith("250 2.0.0", await TransactAsync(polite));

        var ended = await Assert.ThrowsAnyAsync<Exception>(() => writing);
        Assert.True(ended is IOException, $"the server did not drop the connection: {ended}");
    }

    [Fact]
    public async Task Parallel_messages_at_the_size_limit_over_a_small_memory_budget_get_250_or_452_and_every_250_is_in_the_sink_file()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "messages.jsonl");
        const int limit = 256 * 1024;
        var settings = Defaults with
        {
            Limits = new LmtpLimits { MaxMessageBytes = limit },
            MaxInFlightBytes = 4 * limit,
            InFlightWait = TimeSpan.FromMilliseconds(200),
        };
        var sink = Sys.ActorOf(StoreSinkActor.Props(new JsonLinesFileStore(path, withEnvelope: false)));
        var listener = await Listener.StartAsync(Sys, settings, sink);
        var confirmed = new List<string>();
        var replies = new List<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 16), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (session, _) =>
        {
            await using var client = await listener.ConnectAsync();
            for (var i = 0; i < 2; i++)
            {
                var body = AtTheLimit(limit, $"{session}-{i}");
                var reply = await TransactAsync(client, body, declareSize: true);
                lock (replies)
                {
                    replies.Add(reply);
                    if (reply.StartsWith("250 2.0.0", StringComparison.Ordinal))
                        confirmed.Add(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(body))));
                }
            }
        });

        Assert.All(replies, r => Assert.True(r.StartsWith("250 2.0.0", StringComparison.Ordinal) || r.StartsWith("452 4.3.1", StringComparison.Ordinal), r));
        // SIZE= declared, as Postfix does: the budget goes to whole messages, so the first to reserve always completes.
        Assert.NotEmpty(confirmed);
        // 250 comes only after the line is synced: the file already holds every confirmed message, and nothing else.
        Assert.Equal(confirmed.Order(), StoredHashes(path).Order());
        // Blocks were reused from message to message (poisoned on return): never more of them than the budget.
        await listener.AssertBudgetReleasedAsync();
        Assert.InRange(listener.Budget.Blocks.Allocated * listener.Budget.Blocks.BlockBytes, 1, settings.MaxInFlightBytes);
    }

    [Fact]
    public async Task A_declared_size_that_does_not_fit_yet_gets_its_354_only_once_the_budget_has_room()
    {
        var settings = Defaults with { MaxInFlightBytes = 1024 * 1024, InFlightWait = TimeSpan.FromSeconds(20) };
        var listener = await Listener.StartAsync(Sys, settings);
        var first = "Subject: first\r\n\r\n" + new string('a', 600_000) + "\r\n";
        var second = "Subject: second\r\n\r\n" + new string('b', 600_000) + "\r\n";
        await using var a = await listener.ConnectAsync();
        await using var b = await listener.ConnectAsync();

        await a.SendAsync($"MAIL FROM:<s@example.net> SIZE={first.Length}\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
        await a.ExpectAsync("250");
        await a.ExpectAsync("250");
        await a.ExpectAsync("354");
        await b.SendAsync($"MAIL FROM:<s@example.net> SIZE={second.Length}\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
        // The first message holds 640 KiB of the 1 MiB: the second waits for room before its client may send a byte
        // (the pipelined group's replies come together, with the 354).
        var go = Task.Run(async () =>
        {
            await b.ExpectAsync("250");
            await b.ExpectAsync("250");
            await b.ExpectAsync("354");
        });
        await Task.Delay(500);
        Assert.False(go.IsCompleted);

        await a.SendAsync(first + ".\r\n");
        await a.ExpectAsync("250 2.0.0");
        await go.WaitAsync(TimeSpan.FromSeconds(10));
        await b.SendAsync(second + ".\r\n");
        await b.ExpectAsync("250 2.0.0");
        await listener.AssertBudgetReleasedAsync();
    }

    [Fact]
    public async Task A_declared_size_that_finds_no_room_within_the_wait_gets_354_and_then_452()
    {
        var settings = Defaults with { MaxInFlightBytes = 1024 * 1024, InFlightWait = TimeSpan.FromMilliseconds(300) };
        var listener = await Listener.StartAsync(Sys, settings);
        var body = "Subject: late\r\n\r\n" + new string('c', 600_000) + "\r\n";
        await using var holder = await listener.ConnectAsync();
        await holder.SendAsync($"MAIL FROM:<s@example.net> SIZE={body.Length}\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
        await holder.ExpectAsync("250");
        await holder.ExpectAsync("250");
        await holder.ExpectAsync("354");
        await using var late = await listener.ConnectAsync();

        Assert.StartsWith("452 4.3.1", await TransactAsync(late, body, declareSize: true));
        await holder.SendAsync(body + ".\r\n");
        await holder.ExpectAsync("250 2.0.0");
        await listener.AssertBudgetReleasedAsync();
    }

    [Fact]
    public async Task Messages_refused_cut_off_or_stored_all_give_their_blocks_and_budget_back()
    {
        var settings = Defaults with { Limits = new LmtpLimits { MaxMessageBytes = 100_000 } };
        var listener = await Listener.StartAsync(Sys, settings);

        await using (var client = await listener.ConnectAsync())
        {
            Assert.StartsWith("552 5.3.4", await TransactAsync(client, "Subject: big\r\n\r\n" + new string('x', 150_000) + "\r\n"));
            Assert.StartsWith("250 2.0.0", await TransactAsync(client, "Subject: kept\r\n\r\n" + new string('y', 90_000) + "\r\n", declareSize: true));
        }
        await using (var cut = await listener.ConnectAsync())
        {
            await cut.SendAsync("MAIL FROM:<s@example.net> SIZE=90000\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");
            await cut.ExpectAsync("250 2.1.0");
            await cut.ExpectAsync("250 2.1.5");
            await cut.ExpectAsync("354");
            await cut.SendAsync("Subject: cut\r\n\r\n" + new string('z', 70_000));
            for (var attempt = 0; attempt < 100 && listener.Budget.Used == 0; attempt++)
                await Task.Delay(20);
            Assert.NotEqual(0, listener.Budget.Used);
        }

        await listener.AssertBudgetReleasedAsync();
        var stored = Assert.Single(listener.Stored);
        Assert.Equal(Encoding.ASCII.GetBytes("Subject: kept\r\n\r\n" + new string('y', 90_000) + "\r\n"), stored.Body.ToArray());
    }

    /// <summary>A message of exactly <paramref name="size"/> bytes, unique by <paramref name="tag"/>; no line begins with a dot, so it is sent as it is.</summary>
    private static string AtTheLimit(int size, string tag)
    {
        var text = new StringBuilder($"Subject: {tag}\r\n\r\n", size);
        while (size - text.Length > 80)
            text.Append('x', 76).Append("\r\n");
        text.Append('y', size - text.Length - 2).Append("\r\n");
        return text.ToString();
    }

    private static List<string> StoredHashes(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file);
        var hashes = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            var payload = JsonDocument.Parse(line).RootElement;
            var sha256 = payload.GetProperty("sha256").GetString()!;
            // The bytes written are the message's own (not blocks reused by another message): they hash to its name.
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload.GetProperty("msg").GetString()!))));
            hashes.Add(sha256);
        }
        return hashes;
    }
}
