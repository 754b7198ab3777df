using System.Net;
using System.Net.Sockets;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker;

/// <summary>
/// A small hpfeeds client for tests and the benchmark: reads INFO, sends AUTH and its SUBSCRIBEs, and collects every PUBLISH
/// it receives. hpfeeds confirms nothing, so after <see cref="ConnectAsync"/> the broker may not have seen the SUBSCRIBEs
/// yet: wait for them with <see cref="HpfeedsBroker.WaitForSubscribersAsync"/> before publishing.
/// </summary>
public sealed class HpfeedsSubscriber : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameDecoder _decoder;
    private readonly TaskCompletionSource<InfoFrame> _info = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Pulse _changed = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<PublishFrame> _received = [];
    private readonly bool _keepFrames;
    private int _count;
    private string? _error;
    private bool _closed;

    private HpfeedsSubscriber(Socket socket, string ident, bool keepFrames, int maxFrameBytes)
    {
        _decoder = new FrameDecoder(new HpfeedsLimits { MaxFrameBytes = maxFrameBytes });
        _keepFrames = keepFrames;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Ident = ident;
        Closed = Task.Run(ReadLoopAsync);
    }

    public string Ident { get; }

    /// <summary>The broker's INFO (name and nonce).</summary>
    public InfoFrame Info { get; private set; } = null!;

    /// <summary>Completes when the broker has closed the connection (or it broke).</summary>
    public Task Closed { get; }

    /// <summary>The text of the ERROR the broker sent, if it sent one.</summary>
    public string? Error
    {
        get
        {
            lock (_lock)
                return _error;
        }
    }

    /// <summary>A copy of the PUBLISH frames received so far, in order.</summary>
    public IReadOnlyList<PublishFrame> Received
    {
        get
        {
            lock (_lock)
                return [.. _received];
        }
    }

    /// <param name="keepFrames">False for a drain (the benchmark): frames are counted, not kept.</param>
    /// <param name="maxFrameBytes">The largest frame read (a broker with a larger <see cref="BrokerOptions.MaxFrameBytes"/> forwards larger ones).</param>
    public static async Task<HpfeedsSubscriber> ConnectAsync(int port, string ident, string secret, IEnumerable<string> channels,
        bool keepFrames = true, int maxFrameBytes = BrokerLimits.MaxFrameBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var subscriber = new HpfeedsSubscriber(socket, ident, keepFrames, maxFrameBytes);
        try
        {
            subscriber.Info = await subscriber._info.Task.WaitAsync(timeout.Token);
            await subscriber.SendAsync(AuthFrame.For(subscriber.Info, ident, secret), timeout.Token);
            foreach (var channel in channels)
                await subscriber.SubscribeAsync(channel, timeout.Token);
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
        return subscriber;
    }

    public Task SubscribeAsync(string channel, CancellationToken cancellationToken = default) =>
        SendAsync(new SubscribeFrame(Ident, channel), cancellationToken);

    public Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default) =>
        SendAsync(new UnsubscribeFrame(Ident, channel), cancellationToken);

    public Task PublishAsync(string channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(new PublishFrame(Ident, channel, payload), cancellationToken);

    /// <summary>Sends any frame as is, also one the broker will refuse.</summary>
    public async Task SendAsync(Frame frame, CancellationToken cancellationToken = default)
    {
        var bytes = FrameEncoder.Encode(frame);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> PUBLISH frames have arrived and returns them all. Throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>, or <see cref="InvalidOperationException"/> as soon as
    /// the broker closes the connection with fewer.
    /// </summary>
    public async Task<IReadOnlyList<PublishFrame>> WaitForAsync(int count, TimeSpan timeout)
    {
        await _changed.WaitUntilAsync(() => ReceivedCount >= count || IsClosed, timeout,
            () => $"{ReceivedCount} PUBLISH frames received, waited for {count}");
        var received = Received;
        if (received.Count < count)
            throw new InvalidOperationException($"The broker closed the connection after {received.Count} of {count} PUBLISH frames" +
                (Error is { } error ? $"; ERROR: {error}" : "."));
        return received;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await Closed;
        await _stream.DisposeAsync();
        _sending.Dispose();
    }

    /// <summary>PUBLISH frames received so far (kept or not).</summary>
    public int ReceivedCount
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    private bool IsClosed
    {
        get
        {
            lock (_lock)
                return _closed;
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer);
                if (read == 0)
                    return;
                ReadOnlySpan<byte> input = buffer.AsSpan(0, read);
                while (_decoder.TryDecode(ref input, out var frame, out _))
                    Take(frame);
                if (_decoder.Error is not null)
                    return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Closed by the broker or by DisposeAsync: either way the connection is over.
        }
        finally
        {
            lock (_lock)
                _closed = true;
            _info.TrySetException(new IOException("The broker closed the connection before sending INFO."));
            _changed.Fire();
        }
    }

    private void Take(Frame frame)
    {
        switch (frame)
        {
            case InfoFrame info:
                _info.TrySetResult(info);
                return;
            case PublishFrame publish:
                lock (_lock)
                {
                    _count++;
                    if (_keepFrames)
                        _received.Add(publish);
                }
                break;
            case ErrorFrame error:
                lock (_lock)
                    _error ??= error.Message;
                break;
        }
        _changed.Fire();
    }
}
