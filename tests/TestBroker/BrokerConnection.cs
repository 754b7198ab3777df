using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker;

/// <summary>
/// One client of the broker: a read loop that handles frames one at a time in order, and a write loop that drains an
/// outbox, so a slow reader delays only itself. Every way of ending goes through <see cref="Close"/>: queued frames (an
/// ERROR last, if any) are flushed, the sending side is shut down, and the socket is dropped once the client hangs up or
/// <see cref="BrokerOptions.CloseGrace"/> passes. <see cref="Abort"/> is the other way: drop everything now.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "RunAsync owns the connection's lifetime and disposes them when it ends; Abort is the way to end it early.")]
internal sealed class BrokerConnection
{
    private const int ReadBufferBytes = 64 * 1024;

    private readonly HpfeedsBroker _broker;
    private readonly BrokerOptions _options;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(InfoFrame.NonceLength);
    private readonly FrameLimitGate _gate;
    private readonly FrameDecoder _decoder;
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly CancellationTokenSource _stopReading = new();
    private readonly Lock _lock = new();
    private long _queuedBytes;
    private CancellationTokenSource? _deadline;
    private bool _closing;
    private BrokerAccount? _account;

    public BrokerConnection(HpfeedsBroker broker, Socket socket)
    {
        _broker = broker;
        _options = broker.Options;
        _gate = new FrameLimitGate(_options.MaxFrameBytes);
        _decoder = new FrameDecoder(new HpfeedsLimits { MaxFrameBytes = _options.MaxFrameBytes });
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>Completes when the connection is gone; never faults.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Queues a frame; never blocks. Dropped once the connection is closing.</summary>
    public void Enqueue(byte[] frame)
    {
        var queued = Interlocked.Add(ref _queuedBytes, frame.Length);
        if (!_outbox.Writer.TryWrite(frame))
        {
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            return;
        }
        if (queued > _options.BackpressureHighWaterBytes)
            StartDeadline();
    }

    /// <summary>The identity this connection authenticated as; null before AUTH.</summary>
    public string? Ident => Volatile.Read(ref _account)?.Ident;

    /// <summary>Test hook: a TCP reset (RST, not FIN) now, as a broker host or a middlebox dropping the connection would give.</summary>
    public void Reset()
    {
        _socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        Abort();
    }

    /// <summary>Drops the connection now, nothing flushed: the broker is going away.</summary>
    public void Abort()
    {
        lock (_lock)
            _closing = true;
        _outbox.Writer.TryComplete();
        _socket.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            Enqueue(FrameEncoder.Encode(new InfoFrame(_options.Name, _nonce)));
            var writing = WriteLoopAsync();
            await ReadLoopAsync();
            try
            {
                await writing.WaitAsync(_options.CloseGrace);
            }
            catch (TimeoutException)
            {
                return;
            }
            _socket.Shutdown(SocketShutdown.Send);
            await DiscardUntilHangUpAsync();
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // The client or Abort ended it: nothing more to say to anyone.
        }
        finally
        {
            CancelDeadline();
            _broker.Forget(this);
            _stopReading.Dispose();
            await _stream.DisposeAsync();
            _socket.Dispose();
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[ReadBufferBytes];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, _stopReading.Token);
                if (read == 0)
                {
                    Close(error: null);
                    return;
                }
                var admitted = _gate.Admit(buffer.AsSpan(0, read), out var overLimit);
                if (!HandleBytes(buffer.AsSpan(0, admitted)))
                    return;
                if (overLimit)
                {
                    // The reference broker hangs up on a frame over its limit without a word.
                    Close(error: null);
                    return;
                }
            }
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            Close(error: null);
        }
    }

    /// <summary>Handles every complete frame in <paramref name="input"/>; false once the connection is closing.</summary>
    private bool HandleBytes(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            if (IsClosing)
                return false;
            if (!_decoder.TryDecode(ref input, out var frame, out var error))
            {
                if (error is null)
                    return true;
                // Unknown opcode, bad length or a body that does not parse: dropped without an ERROR, as the reference does.
                Close(error: null);
                return false;
            }
            if (!HandleFrame(frame))
                return false;
        }
        return !IsClosing;
    }

    private bool HandleFrame(Frame frame)
    {
        if (_account is null && frame is not AuthFrame)
            return Fail(BrokerErrors.FirstMessageNotAuth);
        switch (frame)
        {
            case AuthFrame auth:
                // A second AUTH is checked again, as the reference does; failing it ends the connection.
                _account = _broker.Authenticate(auth.Ident, auth.Hash.Span, _nonce);
                return _account is not null || Fail(BrokerErrors.AuthenticationFailed(auth.Ident));
            case PublishFrame publish:
                if (publish.Ident != _account!.Ident)
                    return Fail(BrokerErrors.InvalidAuthkey(publish.Ident));
                if (!_account.PublishChannels.Contains(publish.Channel, StringComparer.Ordinal))
                    return Fail(BrokerErrors.NotAllowedToPublish(publish.Ident, publish.Channel));
                _broker.Publish(_account.Ident, publish.Channel, publish.Payload);
                return true;
            case SubscribeFrame subscribe:
                // The reference checks the channel against the authenticated ident and ignores the ident in the frame.
                if (!_account!.SubscribeChannels.Contains(subscribe.Channel, StringComparer.Ordinal))
                    return Fail(BrokerErrors.NotAllowedToSubscribe(_account.Ident, subscribe.Channel));
                _broker.Subscribe(this, subscribe.Channel);
                return true;
            case UnsubscribeFrame unsubscribe:
                _broker.Unsubscribe(this, unsubscribe.Channel);
                return true;
            default:
                // INFO or ERROR from a client: the reference broker has no handler for them and drops the connection.
                Close(error: null);
                return false;
        }
    }

    private bool Fail(string error)
    {
        Close(error);
        return false;
    }

    private bool IsClosing
    {
        get
        {
            lock (_lock)
                return _closing;
        }
    }

    /// <summary>
    /// Stops reading and takes the connection out of every subscription; then the ERROR, if any, is queued as the last frame.
    /// Frames already queued go out first unless <paramref name="discardQueued"/> (a subscriber that cannot keep up).
    /// </summary>
    private void Close(string? error, bool discardQueued = false)
    {
        lock (_lock)
        {
            if (_closing)
                return;
            _closing = true;
        }
        // Fan-out happens under the broker's lock, so after this nothing else is queued and the ERROR stays last.
        _broker.RemoveSubscriptions(this);
        if (discardQueued)
        {
            while (_outbox.Reader.TryRead(out var dropped))
                Interlocked.Add(ref _queuedBytes, -dropped.Length);
        }
        if (error is not null)
            _outbox.Writer.TryWrite(FrameEncoder.Encode(new ErrorFrame(error)));
        _outbox.Writer.TryComplete();
        _stopReading.Cancel();
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync())
            {
                await _stream.WriteAsync(frame);
                if (Interlocked.Add(ref _queuedBytes, -frame.Length) <= _options.BackpressureHighWaterBytes / 4)
                    CancelDeadline();
            }
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            Close(error: null);
        }
    }

    // The reference broker starts a timer when its write buffer passes the high-water mark and cancels it once the buffer
    // drains below the low-water mark (a quarter); if it fires, the subscriber is told so and dropped.
    private void StartDeadline()
    {
        CancellationToken token;
        lock (_lock)
        {
            if (_deadline is not null || _closing)
                return;
            _deadline = new CancellationTokenSource();
            token = _deadline.Token;
        }
        _ = ExpireAsync(token);
    }

    private async Task ExpireAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(_options.BackpressureDeadline, token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        Close(BrokerErrors.BackpressureDeadlineExpired, discardQueued: true);
    }

    private void CancelDeadline()
    {
        CancellationTokenSource? deadline;
        lock (_lock)
        {
            deadline = _deadline;
            _deadline = null;
        }
        if (deadline is null)
            return;
        deadline.Cancel();
        deadline.Dispose();
    }

    private async Task DiscardUntilHangUpAsync()
    {
        using var grace = new CancellationTokenSource(_options.CloseGrace);
        var sink = new byte[ReadBufferBytes];
        while (await _stream.ReadAsync(sink, grace.Token) > 0)
        {
        }
    }

    private static bool IsConnectionFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException;
}
