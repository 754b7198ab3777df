using System.Net;
using System.Net.Sockets;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker.Tests.Support;

/// <summary>A bare hpfeeds connection: sends whatever bytes a test builds and reads frames one by one, with bounded waits.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameDecoder _decoder = new(new HpfeedsLimits { MaxFrameBytes = int.MaxValue });
    private readonly Queue<Frame> _frames = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <param name="receiveBufferBytes">A small one makes a client that does not read fall behind sooner.</param>
    public static async Task<RawClient> ConnectAsync(int port, int? receiveBufferBytes = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferBytes is { } bytes)
            socket.ReceiveBufferSize = bytes;
        using var timeout = new CancellationTokenSource(Limits.Wait);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        return new RawClient(socket);
    }

    /// <summary>Connects and returns the client with the INFO the broker greeted it with.</summary>
    public static async Task<(RawClient Client, InfoFrame Info)> ConnectAndReadInfoAsync(int port)
    {
        var client = await ConnectAsync(port);
        var info = Assert.IsType<InfoFrame>(await client.ReadFrameAsync());
        return (client, info);
    }

    /// <summary>Connects, reads INFO and sends a correct AUTH.</summary>
    public static async Task<RawClient> AuthenticatedAsync(int port, string ident, string secret)
    {
        var (client, info) = await ConnectAndReadInfoAsync(port);
        await client.SendAsync(AuthFrame.For(info, ident, secret));
        return client;
    }

    public Task SendAsync(Frame frame) => SendAsync(FrameEncoder.Encode(frame));

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(Limits.Wait);
        await _stream.WriteAsync(bytes, timeout.Token);
    }

    /// <summary>The next frame, or null when the broker has closed the connection (a reset counts as closed).</summary>
    public async Task<Frame?> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(Limits.Wait);
        while (_frames.Count == 0)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, timeout.Token);
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                return null;
            }
            if (read == 0)
                return null;
            ReadOnlySpan<byte> input = _buffer.AsSpan(0, read);
            while (_decoder.TryDecode(ref input, out var frame, out var error))
                _frames.Enqueue(frame);
            Assert.Null(_decoder.Error);
        }
        return _frames.Dequeue();
    }

    /// <summary>Asserts that the broker sends exactly this ERROR and then closes the connection.</summary>
    public async Task ExpectErrorThenCloseAsync(string message)
    {
        var error = Assert.IsType<ErrorFrame>(await ReadFrameAsync());
        Assert.Equal(message, error.Message);
        Assert.Null(await ReadFrameAsync());
    }

    /// <summary>Asserts that the broker closes the connection without sending anything more (no ERROR).</summary>
    public async Task ExpectCloseWithoutErrorAsync() => Assert.Null(await ReadFrameAsync());

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
