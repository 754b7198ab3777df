using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests;

public sealed class StoreSinkSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "store-sink-specs-" + Guid.NewGuid().ToString("N"));

    public StoreSinkSpecs() => Directory.CreateDirectory(_directory);

    private static ReceivedMessage Message(int i, byte[]? bytes = null)
    {
        bytes ??= Encoding.UTF8.GetBytes($"Subject: {i}\r\n\r\nbody {i}\r\n");
        var envelope = new MessageEnvelope("s@example.net", ["r@trap.example"], System.Collections.Immutable.ImmutableDictionary<string, string>.Empty, "lhlo.example", "127.0.0.1:1", DateTimeOffset.UnixEpoch);
        return new ReceivedMessage(MessageBody.FromBytes(bytes), Convert.ToHexStringLower(SHA256.HashData(bytes)), envelope);
    }

    /// <summary>Wraps a real store: counts commits, can hold the first one until released, can fail commits.</summary>
    private sealed class ObservedStore(IMessageStore inner) : IMessageStore
    {
        public readonly ManualResetEventSlim FirstCommitGate = new(initialState: true);
        public int Commits;
        public int Rollbacks;
        public int FailNextCommits;

        public string Description => inner.Description;

        public void Write(ReceivedMessage message) => inner.Write(message);

        public void Commit()
        {
            if (Interlocked.Increment(ref Commits) == 1)
                FirstCommitGate.Wait(TimeSpan.FromSeconds(30));
            if (FailNextCommits > 0 && Interlocked.Decrement(ref FailNextCommits) >= 0)
                throw new IOException("disk full (simulated)");
            inner.Commit();
        }

        public void Rollback()
        {
            Interlocked.Increment(ref Rollbacks);
            inner.Rollback();
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public async Task One_disk_sync_confirms_every_message_that_arrived_while_the_previous_one_ran()
    {
        var path = Path.Combine(_directory, "m.jsonl");
        var store = new ObservedStore(new JsonLinesFileStore(path, withEnvelope: true));
        store.FirstCommitGate.Reset();
        var sink = Sys.ActorOf(StoreSinkActor.Props(store));

        for (var i = 0; i < 200; i++)
            sink.Tell(new StoreMessage(Message(i), DateTime.MaxValue), TestActor);
        // Mailbox order: once this is answered, all 200 are with the sink, and 199 of them wait behind the held first sync.
        await sink.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(10));
        store.FirstCommitGate.Set();

        var stored = new HashSet<string>();
        for (var i = 0; i < 200; i++)
            stored.Add((await ExpectMsgAsync<MessageStored>()).Message.Sha256);
        Assert.Equal(200, stored.Count);
        Assert.Equal(2, store.Commits);

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(200, lines.Length);
        Assert.All(lines, line => Assert.Contains(JsonDocument.Parse(line).RootElement.GetProperty("sha256").GetString()!, stored));
    }

    [Fact]
    public async Task A_failed_sync_answers_not_stored_with_451_and_leaves_no_partial_lines()
    {
        var path = Path.Combine(_directory, "m.jsonl");
        var store = new ObservedStore(new JsonLinesFileStore(path, withEnvelope: false)) { FailNextCommits = 1 };
        var sink = Sys.ActorOf(StoreSinkActor.Props(store));

        sink.Tell(new StoreMessage(Message(1), DateTime.MaxValue), TestActor);
        var refused = await ExpectMsgAsync<MessageNotStored>();
        Assert.Equal((451, "4.3.0"), (Replies.For(refused.Reason).Code, Replies.For(refused.Reason).Enhanced));
        Assert.Equal(1, store.Rollbacks);
        Assert.Equal(0, new FileInfo(path).Length);

        sink.Tell(new StoreMessage(Message(2), DateTime.MaxValue), TestActor);
        await ExpectMsgAsync<MessageStored>();
        Assert.Single(await File.ReadAllLinesAsync(path));
    }

    [Fact]
    public async Task A_line_cut_short_by_a_crash_is_dropped_when_the_file_is_opened_again()
    {
        var path = Path.Combine(_directory, "m.jsonl");
        await File.WriteAllTextAsync(path, "{\"sha256\":\"a\",\"msg\":\"x\"}\n{\"sha256\":\"b\",\"msg\":\"y\"}\n{\"sha256\":\"c\",\"ms");
        var sink = Sys.ActorOf(StoreSinkActor.Props(new JsonLinesFileStore(path, withEnvelope: false)));

        sink.Tell(new StoreMessage(Message(3), DateTime.MaxValue), TestActor);
        await ExpectMsgAsync<MessageStored>();

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => JsonDocument.Parse(line));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_large_message_in_pooled_blocks_is_written_as_the_line_built_in_memory_and_its_blocks_go_back(bool utf8)
    {
        // 300 KB over 64 KiB blocks, with control bytes to escape; not UTF-8: Utf8JsonWriter asks for whole segments at once.
        var random = new Random(7);
        var bytes = new byte[300_000];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i % 97 == 0 ? random.Next(0, 32) : utf8 ? random.Next(32, 127) : random.Next(32, 256));
        var pool = new BlockPool(poisonReturned: true);
        var builder = new MessageBodyBuilder(1_000_000, pool);
        builder.Append(bytes);
        var released = false;
        var (body, sha256) = builder.Build(() => released = true);
        var message = Message(0) with { Body = body, Sha256 = sha256 };
        var expected = JsonPayload.ToBytes(message, withEnvelope: true);
        var path = Path.Combine(_directory, "large.jsonl");
        var sink = Sys.ActorOf(StoreSinkActor.Props(new JsonLinesFileStore(path, withEnvelope: true)));

        sink.Tell(new StoreMessage(message, DateTime.MaxValue), TestActor);
        await ExpectMsgAsync<MessageStored>();

        var written = await File.ReadAllBytesAsync(path);
        Assert.Equal(expected.Append((byte)'\n').ToArray(), written);
        Assert.True(released);
        Assert.Equal(pool.Allocated, pool.FreeCount);
    }

    [Fact]
    public async Task File_sink_is_readable_by_its_owner_only()
    {
        var path = Path.Combine(_directory, "private.jsonl");
        var sink = Sys.ActorOf(StoreSinkActor.Props(new JsonLinesFileStore(path, withEnvelope: true)));
        sink.Tell(new StoreMessage(Message(1), DateTime.MaxValue), TestActor);
        await ExpectMsgAsync<MessageStored>();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Raw_directory_sink_writes_the_exact_bytes_to_sha256_eml_once()
    {
        var directory = Path.Combine(_directory, "raw");
        var sink = Sys.ActorOf(StoreSinkActor.Props(new RawDirectoryStore(directory)));
        var bytes = new byte[] { 0x53, 0x3A, 0xFF, 0x00, 0x0D, 0x0A };
        var message = Message(0, bytes);

        // The same bytes twice, each a body of its own (a sink releases every body it is handed).
        sink.Tell(new StoreMessage(message, DateTime.MaxValue), TestActor);
        sink.Tell(new StoreMessage(Message(0, bytes), DateTime.MaxValue), TestActor);
        await ExpectMsgAsync<MessageStored>();
        await ExpectMsgAsync<MessageStored>();

        var file = Assert.Single(Directory.GetFiles(directory));
        Assert.Equal(message.Sha256 + ".eml", Path.GetFileName(file));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
