using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.Actors.Tests.Support;

/// <summary>
/// A TCP "broker" on a free loopback port that misbehaves as its behaviour says, once per accepted connection, and
/// keeps a record of every connection: how many bytes it sent and whether the client hung up on it.
/// </summary>
public sealed class HostileBroker : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<HostileConnection, Task> _behaviour;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<HostileConnection> _connections = new();
    private readonly SemaphoreSlim _accepted = new(0);
    private readonly List<Task> _running = [];
    private readonly Task _accepting;

    private HostileBroker(Socket listener, Func<HostileConnection, Task> behaviour)
    {
        _listener = listener;
        _behaviour = behaviour;
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public IReadOnlyList<HostileConnection> Connections => [.. _connections];

    /// <param name="receiveBufferBytes">When set, accepted sockets take no more than about this much before the client's writes stall.</param>
    public static HostileBroker Start(Func<HostileConnection, Task> behaviour, int receiveBufferBytes = 0)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBufferBytes > 0)
            listener.ReceiveBufferSize = receiveBufferBytes;
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return new HostileBroker(listener, behaviour);
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> connections have been accepted.</summary>
    public async Task<IReadOnlyList<HostileConnection>> WaitForConnectionsAsync(int count, TimeSpan deadline)
    {
        using var cancel = new CancellationTokenSource(deadline);
        try
        {
            while (_connections.Count < count)
                await _accepted.WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_connections.Count} connections to the hostile broker within {deadline}, expected {count}");
        }
        return Connections;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                var connection = new HostileConnection(socket, _stop.Token);
                _connections.Enqueue(connection);
                _accepted.Release();
                lock (_running)
                    _running.Add(RunAsync(connection));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RunAsync(HostileConnection connection)
    {
        try
        {
            await _behaviour(connection);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client hanging up in the middle of the misbehaviour is what the tests expect.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var connection in _connections)
            connection.Dispose();
        await _accepting;
        Task[] running;
        lock (_running)
            running = [.. _running];
        await Task.WhenAll(running);
        _stop.Dispose();
        _accepted.Dispose();
    }
}

/// <summary>One accepted connection, as the behaviour sees it.</summary>
public sealed class HostileConnection(Socket socket, CancellationToken stopping) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly TaskCompletionSource _closedByClient = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytesSent;

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Completes when the client closes or resets the connection (seen only while <see cref="DiscardUntilClosedAsync"/> runs).</summary>
    public Task ClosedByClient => _closedByClient.Task;

    public CancellationToken Stopping => stopping;

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes, stopping);
        Interlocked.Add(ref _bytesSent, bytes.Length);
    }

    /// <summary>Reads and drops whatever the client sends until it hangs up.</summary>
    public async Task DiscardUntilClosedAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (await _stream.ReadAsync(buffer, stopping) > 0)
            {
            }
            _closedByClient.TrySetResult();
        }
        catch (IOException)
        {
            _closedByClient.TrySetResult();
        }
    }

    /// <summary>Sends <paramref name="bytes"/>, then reads and drops whatever comes until the client hangs up.</summary>
    public async Task SendAndHoldAsync(byte[] bytes)
    {
        var closed = DiscardUntilClosedAsync();
        try
        {
            await SendAsync(bytes);
        }
        catch (IOException)
        {
            // Hung up on in the middle of the bytes: the client stopped listening early, as it may.
            _closedByClient.TrySetResult();
        }
        await closed;
    }

    /// <summary>Sends <paramref name="bytes"/> one at a time, <paramref name="pace"/> apart, until the client hangs up (or they run out).</summary>
    public async Task TrickleAsync(byte[] bytes, TimeSpan pace)
    {
        var closed = DiscardUntilClosedAsync();
        try
        {
            for (var i = 0; i < bytes.Length && !closed.IsCompleted; i++)
            {
                await SendAsync(bytes.AsMemory(i, 1));
                await Task.WhenAny(closed, Task.Delay(pace, stopping));
            }
        }
        catch (IOException)
        {
            _closedByClient.TrySetResult();
        }
        await closed;
    }

    /// <summary>Decodes what the client sends; the number of PUBLISH frames that came before the first one <paramref name="last"/> picks.</summary>
    public async Task<int> CountPublishesBeforeAsync(Func<PublishFrame, bool> last)
    {
        var decoder = new FrameDecoder(new HpfeedsLimits { MaxFrameBytes = 4 * 1024 * 1024 });
        var buffer = new byte[64 * 1024];
        var count = 0;
        while (true)
        {
            var read = await _stream.ReadAsync(buffer, stopping);
            if (read == 0)
                throw new IOException($"the client hung up after {count} PUBLISH frames");
            var input = new ReadOnlySpan<byte>(buffer, 0, read);
            while (decoder.TryDecode(ref input, out var frame, out var error))
            {
                if (frame is not PublishFrame publish)
                    continue;
                if (last(publish))
                    return count;
                count++;
            }
            if (decoder.Error is { } failed)
                throw new IOException($"the client sent a malformed frame: {failed}");
        }
    }

    /// <summary>Holds the connection open without reading a byte, until the test ends.</summary>
    public async Task NeverReadAsync() => await Task.Delay(Timeout.Infinite, stopping);

    public void Dispose() => _stream.Dispose();
}
