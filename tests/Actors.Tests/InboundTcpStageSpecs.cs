using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Akka;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using SmtpCollector.Actors.Sources.Lmtp;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>
/// The socket stage on its own, over real loopback connections: bytes both ways intact whatever the chunking, the
/// half-close and close handshakes, a reset, and reading only on demand.
/// </summary>
public sealed class InboundTcpStageSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly ActorMaterializer _materializer;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public InboundTcpStageSpecs()
    {
        _materializer = Sys.Materializer();
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
    }

    private async Task<(Socket Client, Socket Server)> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = _listener.AcceptAsync();
        await client.ConnectAsync(_listener.LocalEndPoint!);
        var server = await accepting;
        server.Blocking = false; // as the listener hands it over
        return (client, server);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var received = new MemoryStream();
        var buffer = new byte[7919];
        int count;
        while ((count = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            received.Write(buffer, 0, count);
        return received.ToArray();
    }

    /// <summary>Runs the stage writing <paramref name="writes"/> and reading into nothing; completes when the reads end.</summary>
    private Task<Done> WriteAndIgnoreReads(Socket server, Source<ByteString, NotUsed> writes) =>
        Flow.FromGraph(new InboundTcpStage(server, "test peer"))
            .JoinMaterialized(Flow.FromSinkAndSource(Sink.Ignore<ByteString>(), writes, Keep.Left), Keep.Right)
            .Run(_materializer);

    private static async Task SendInPiecesAsync(Socket socket, byte[] data, int seed)
    {
        var random = new Random(seed);
        for (var offset = 0; offset < data.Length;)
        {
            var piece = Math.Min(data.Length - offset, random.Next(1, 100_000));
            offset += await socket.SendAsync(data.AsMemory(offset, piece), SocketFlags.None);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task What_a_client_sends_comes_back_byte_for_byte_through_an_echo_and_its_half_close_ends_the_stage(int seed)
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        var data = RandomNumberGenerator.GetBytes(3_000_000);

        var echoed = await this.AssertAllStagesStoppedAsync(async () =>
        {
            var done = Flow.FromGraph(new InboundTcpStage(server, "test peer", readSize: 1 + seed * 4096))
                .JoinMaterialized(Flow.Create<ByteString>().WatchTermination(Keep.Right), Keep.Right)
                .Run(_materializer);
            var reading = ReadToEndAsync(client);
            await SendInPiecesAsync(client, data, seed);
            client.Shutdown(SocketShutdown.Send);
            var all = await reading;
            await done;
            return all;
        }, _materializer);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(echoed));
        Assert.Equal(data.Length, echoed.Length);
    }

    [Fact]
    public async Task Replies_completed_while_the_client_still_sends_half_close_the_connection_and_the_stage_ends_when_the_client_closes()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var stopped = WriteAndIgnoreReads(server, Source.Single(ByteString.FromString("221 bye\r\n")));
            var reply = await ReadToEndAsync(client); // the FIN comes after the reply: our side is done writing
            Assert.Equal("221 bye\r\n", System.Text.Encoding.ASCII.GetString(reply));
            await client.SendAsync("more"u8.ToArray(), SocketFlags.None); // half-closed, not closed: still read
            client.Shutdown(SocketShutdown.Both);
            client.Close();
            await stopped; // all the client sent after our FIN was read, up to its own FIN
            return 0;
        }, _materializer);
    }

    [Fact]
    public async Task Writes_to_a_client_that_reads_late_wait_for_room_and_arrive_whole()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        // Each 256 KiB piece is larger than the socket's buffers, so every write finds the socket full and waits for room.
        // (Much smaller buffers would make loopback crawl: delayed acknowledgements on a tiny window.)
        server.SendBufferSize = 64 * 1024;
        client.ReceiveBufferSize = 64 * 1024;
        var pieces = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(256 * 1024)).ToArray();

        var received = await this.AssertAllStagesStoppedAsync(async () =>
        {
            var done = WriteAndIgnoreReads(server, Source.From(pieces.Select(ByteString.FromBytes)));
            var all = await ReadToEndAsync(client); // ends at our FIN, after the last piece
            client.Shutdown(SocketShutdown.Both);
            await done;
            return all;
        }, _materializer);

        Assert.Equal(SHA256.HashData(pieces.SelectMany(p => p).ToArray()), SHA256.HashData(received));
    }

    [Fact]
    public async Task A_client_that_resets_fails_the_stage_and_leaves_nothing_running()
    {
        var (client, server) = await ConnectAsync();

        await this.AssertAllStagesStoppedAsync(async () =>
        {
            var (_, reads) = Flow.FromGraph(new InboundTcpStage(server, "test peer"))
                .RunWith(Source.Never<ByteString>(), Sink.Seq<ByteString>(), _materializer);
            await client.SendAsync("MAIL FROM:<a@b.example>\r\n"u8.ToArray(), SocketFlags.None);
            client.LingerState = new LingerOption(true, 0);
            client.Close(); // RST
            await Assert.ThrowsAsync<IOException>(() => reads);
            return 0;
        }, _materializer);
    }

    [Fact]
    public async Task Nothing_is_read_until_it_is_pulled_so_a_client_that_sends_too_much_is_pushed_back_by_tcp()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        client.Blocking = false;

        var (writes, reads) = Flow.FromGraph(new InboundTcpStage(server, "test peer"))
            .RunWith(this.SourceProbe<ByteString>(), this.SinkProbe<ByteString>(), _materializer);
        reads.EnsureSubscription();

        // Without demand the stage reads nothing: the client can only fill the socket buffers, then has to stop.
        var chunk = new byte[65536];
        long sent = 0;
        var stalled = false;
        for (var attempt = 0; attempt < 10_000 && !stalled; attempt++)
        {
            var count = client.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
                stalled = true;
            else
                sent += count;
        }
        Assert.True(stalled, $"the client sent {sent} bytes without being pushed back");

        // With demand, it all comes out.
        long read = 0;
        while (read < sent)
        {
            reads.Request(1);
            read += (await reads.ExpectNextAsync(TimeSpan.FromSeconds(10))).Count;
        }
        Assert.Equal(sent, read);
        writes.SendComplete();
        client.Shutdown(SocketShutdown.Both);
        reads.Request(1); // the end, too, is only read on demand
        await reads.ExpectCompleteAsync();
    }

    public new void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }
}
