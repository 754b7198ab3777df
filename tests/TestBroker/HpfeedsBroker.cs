using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker;

/// <summary>
/// An hpfeeds broker on 127.0.0.1 that behaves as the reference broker does (contract.md §2): INFO on connect, AUTH first,
/// no acknowledgements, exact-channel fan-out in the order received, its ERROR texts, per-opcode frame limits, and a
/// backpressure deadline. For tests and the benchmark only.
/// <para>
/// Test hooks (no counterpart in the reference broker): the counters, the <c>WaitFor...</c> methods,
/// <see cref="ConnectionAccepted"/>, <see cref="DropPublishesAfter"/> and <see cref="ForwardAllPublishes"/>.
/// </para>
/// </summary>
public sealed class HpfeedsBroker : IAsyncDisposable
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    private readonly BrokerOptions _options;
    private readonly Dictionary<string, BrokerAccount> _accounts;
    private readonly Socket _listener;
    private readonly Pulse _changed = new();

    // Guards subscriptions, connections, per-channel counts and the forward budget. Fan-out happens under it, so every
    // subscriber of a channel sees publishes from all connections in one and the same order.
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<BrokerConnection>> _subscribers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _publishesReceived = new(StringComparer.Ordinal);
    private readonly HashSet<BrokerConnection> _connections = [];
    private long _forwardBudget = -1;
    private long _publishesDropped;
    private bool _stopped;

    private long _connectionsAccepted;
    private long _successfulAuths;
    private Task _accepting = Task.CompletedTask;

    private HpfeedsBroker(BrokerOptions options, Socket listener)
    {
        _options = options;
        _listener = listener;
        _accounts = options.Accounts.ToDictionary(a => a.Ident, StringComparer.Ordinal);
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>Raised on the accepting thread for each accepted connection, before its INFO is sent. Test hook.</summary>
    public event EventHandler? ConnectionAccepted;

    /// <summary>Connections accepted since start. Test hook.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>AUTH frames that passed. Test hook.</summary>
    public long SuccessfulAuths => Interlocked.Read(ref _successfulAuths);

    /// <summary>PUBLISH frames not forwarded because of <see cref="DropPublishesAfter"/>. Test hook.</summary>
    public long PublishesDropped
    {
        get
        {
            lock (_lock)
                return _publishesDropped;
        }
    }

    public static async Task<HpfeedsBroker> StartAsync(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A broker restarted on its old port can find it taken for a moment: while it was down, a client's reconnect
        // (ours, to that very port) may have been given it as its own ephemeral port. Bounded retries, then the error.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Start(options);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && options.Port != 0 && attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static HpfeedsBroker Start(BrokerOptions options)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A restarted broker must get its port back while the old connections sit in TIME_WAIT: SO_REUSEADDR alone.
            // SocketOptionName.ReuseAddress would also set SO_REUSEPORT on Linux, letting a second broker share the port.
            listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            listener.Bind(new IPEndPoint(options.Address, options.Port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        var broker = new HpfeedsBroker(options, listener);
        broker._accepting = Task.Run(broker.AcceptLoopAsync);
        return broker;
    }

    /// <summary>PUBLISH frames received on <paramref name="channel"/> that passed the checks, forwarded or dropped. Test hook.</summary>
    public long PublishesReceived(string channel)
    {
        lock (_lock)
            return _publishesReceived.GetValueOrDefault(channel);
    }

    /// <summary>Connections subscribed to <paramref name="channel"/> (a connection that subscribed twice counts twice). Test hook.</summary>
    public int SubscriberCount(string channel)
    {
        lock (_lock)
            return _subscribers.TryGetValue(channel, out var list) ? list.Count : 0;
    }

    /// <summary>
    /// Test hook: the next <paramref name="count"/> PUBLISH frames are forwarded as usual, every later one is read, checked and
    /// counted but silently not forwarded, until <see cref="ForwardAllPublishes"/>. Lets a test lose messages on purpose.
    /// </summary>
    public void DropPublishesAfter(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
            _forwardBudget = count;
    }

    /// <summary>Test hook: undoes <see cref="DropPublishesAfter"/>.</summary>
    public void ForwardAllPublishes()
    {
        lock (_lock)
            _forwardBudget = -1;
    }

    /// <summary>
    /// Test hook: resets (RST) every connection authenticated as <paramref name="ident"/> and keeps listening, so that the
    /// client can reconnect at once. The number of connections reset.
    /// </summary>
    public int ResetConnections(string ident)
    {
        BrokerConnection[] matching;
        lock (_lock)
            matching = _connections.Where(c => c.Ident == ident).ToArray();
        foreach (var connection in matching)
            connection.Reset();
        return matching.Length;
    }

    public Task WaitForConnectionsAsync(long count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(() => ConnectionsAccepted >= count, timeout, () => $"{ConnectionsAccepted} connections accepted, waited for {count}");

    public Task WaitForAuthsAsync(long count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(() => SuccessfulAuths >= count, timeout, () => $"{SuccessfulAuths} successful AUTHs, waited for {count}");

    public Task WaitForPublishesAsync(string channel, long count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(() => PublishesReceived(channel) >= count, timeout,
            () => $"{PublishesReceived(channel)} PUBLISH frames on {channel}, waited for {count}");

    /// <summary>Waits until exactly <paramref name="count"/> subscriptions to <paramref name="channel"/> exist (0: all gone).</summary>
    public Task WaitForSubscribersAsync(string channel, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(() => SubscriberCount(channel) == count, timeout,
            () => $"{SubscriberCount(channel)} subscribers on {channel}, waited for {count}");

    /// <summary>
    /// Closes the listener and every connection at once, as if the broker process were killed: nothing queued is flushed, no
    /// ERROR is sent. A new broker may then be started on the same <see cref="Port"/>.
    /// </summary>
    public async Task StopAsync()
    {
        BrokerConnection[] connections;
        lock (_lock)
        {
            if (_stopped)
                connections = [];
            else
            {
                _stopped = true;
                connections = [.. _connections];
            }
        }
        _listener.Dispose();
        foreach (var connection in connections)
            connection.Abort();
        await _accepting;
        await Task.WhenAll(connections.Select(c => c.Completion));
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    internal BrokerOptions Options => _options;

    internal BrokerAccount? Authenticate(string ident, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> nonce)
    {
        if (!_accounts.TryGetValue(ident, out var account))
            return null;
        if (!CryptographicOperations.FixedTimeEquals(AuthHash.Compute(nonce, account.Secret), hash))
            return null;
        Interlocked.Increment(ref _successfulAuths);
        _changed.Fire();
        return account;
    }

    internal void Publish(string ident, string channel, ReadOnlyMemory<byte> payload)
    {
        lock (_lock)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_publishesReceived, channel, out _)++;
            if (_forwardBudget == 0)
                _publishesDropped++;
            else
            {
                if (_forwardBudget > 0)
                    _forwardBudget--;
                if (_subscribers.TryGetValue(channel, out var subscribers) && subscribers.Count > 0)
                {
                    // Encoded once, the same array queued to every subscriber.
                    var frame = FrameEncoder.Encode(new PublishFrame(ident, channel, payload));
                    foreach (var subscriber in subscribers)
                        subscriber.Enqueue(frame);
                }
            }
        }
        _changed.Fire();
    }

    // A list, not a set, as in the reference: subscribing twice delivers twice, and UNSUBSCRIBE takes one away.
    internal void Subscribe(BrokerConnection connection, string channel)
    {
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(channel, out var list))
                _subscribers[channel] = list = [];
            list.Add(connection);
        }
        _changed.Fire();
    }

    internal void Unsubscribe(BrokerConnection connection, string channel)
    {
        lock (_lock)
        {
            if (_subscribers.TryGetValue(channel, out var list))
                list.Remove(connection);
        }
        _changed.Fire();
    }

    internal void RemoveSubscriptions(BrokerConnection connection)
    {
        lock (_lock)
        {
            foreach (var list in _subscribers.Values)
                list.RemoveAll(c => c == connection);
        }
        _changed.Fire();
    }

    internal void Forget(BrokerConnection connection)
    {
        lock (_lock)
            _connections.Remove(connection);
        RemoveSubscriptions(connection);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                lock (_lock)
                {
                    if (_stopped)
                        return;
                }
                continue;
            }
            socket.NoDelay = true;
            var connection = new BrokerConnection(this, socket);
            lock (_lock)
            {
                if (_stopped)
                {
                    socket.Dispose();
                    return;
                }
                _connections.Add(connection);
            }
            Interlocked.Increment(ref _connectionsAccepted);
            ConnectionAccepted?.Invoke(this, EventArgs.Empty);
            _changed.Fire();
            connection.Start();
        }
    }
}
