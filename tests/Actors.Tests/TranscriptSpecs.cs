using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>
/// Every transcript in TestData/transcripts, played through the real connection stage and session actor, with the client's
/// bytes cut whole, a byte at a time and in random pieces: the replies must be the same every way.
/// </summary>
public sealed class TranscriptSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly ActorMaterializer _materializer;

    public TranscriptSpecs() => _materializer = Sys.Materializer();

    public static IEnumerable<object[]> Cases() =>
        from transcript in Transcript.All()
        from mode in new[] { "whole", "byte-by-byte", "random-1", "random-2", "random-3" }
        select new[] { transcript[0], mode };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Transcript_gets_the_expected_replies(string file, string mode)
    {
        var transcript = Transcript.Load(file);
        var stored = new List<ReceivedMessage>();
        var sink = Sys.ActorOf(RecordingSinkActor.Props(stored));
        var session = Sys.ActorOf(LmtpSessionActor.Props(transcript.Settings, sink, new InFlightBudget(transcript.Settings.MaxInFlightBytes)));
        var chunks = Chunking.Cut(mode, transcript.ClientBytes, seed: mode.GetHashCode(StringComparison.Ordinal) ^ file.Length);

        var output = await this.AssertAllStagesStoppedAsync(async () =>
        {
            var replies = await Source.From(chunks.Select(ByteString.FromBytes))
                .Via(Flow.FromGraph(new LmtpConnectionStage(session, "192.0.2.99:40000", transcript.Settings)))
                .RunWith(Sink.Seq<ByteString>(), _materializer);
            return replies.SelectMany(r => r.ToArray()).ToArray();
        }, _materializer);

        if (transcript.Compare(output) is { } difference)
            Assert.Fail(difference);
        await AwaitAssertAsync(() => Assert.Equal(transcript.ExpectedStored, Count(stored)));
    }

    [Fact]
    public async Task Stored_message_is_the_dot_unstuffed_bytes_with_their_sha256()
    {
        var transcript = Transcript.Load("basic.txt");
        var stored = new List<ReceivedMessage>();
        var sink = Sys.ActorOf(RecordingSinkActor.Props(stored));
        var session = Sys.ActorOf(LmtpSessionActor.Props(transcript.Settings, sink, new InFlightBudget(1 << 20)));

        await Source.From(Chunking.Random(transcript.ClientBytes, 7, maxChunk: 5).Select(ByteString.FromBytes))
            .Via(Flow.FromGraph(new LmtpConnectionStage(session, "192.0.2.99:40000", transcript.Settings)))
            .RunWith(Sink.Ignore<ByteString>(), _materializer);

        var message = Assert.Single(stored);
        var expected = "Subject: hello\r\n\r\n.a line that began with a dot\r\n"u8.ToArray();
        Assert.Equal(expected, message.Body.ToArray());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(expected)), message.Sha256);
        Assert.Equal("spammer@example.net", message.Envelope.Sender);
        Assert.Equal(["alice@trap.example", "bob@trap.example"], message.Envelope.Recipients);
        Assert.Equal("client.test", message.Envelope.LhloName);
        Assert.Equal("192.0.2.99:40000", message.Envelope.Peer);
    }

    private static int Count(List<ReceivedMessage> stored)
    {
        lock (stored)
            return stored.Count;
    }
}
