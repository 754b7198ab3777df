using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// Binds the LMTP port and gives every connection its own session actor and connection stage. Sessions are children
/// stopped on failure: a session that breaks takes only its own connection down (its stage answers 421 and closes).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor's end is PostStop, which closes the listening socket.")]
public sealed class LmtpListenerActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _sink;
    private readonly InFlightBudget _budget;
    private readonly ILogger? _messageLog;
    private LmtpServerSettings _settings;
    private Props _sessionProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IMaterializer _materializer;
    // Not Context.GetChildren(): the materializer's stream supervisor is a child too.
    private readonly Dictionary<IActorRef, ConnectionSlot> _sessions = [];
    private bool _underStress;
    private EndPoint? _boundAddress;
    private Socket? _listenSocket;
    private string? _failure;
    private IActorRef? _stopRequester;
    private long _connectionCount;

    public LmtpListenerActor(LmtpServerSettings settings, IActorRef sink, InFlightBudget? budget, ILogger? messageLog)
    {
        _settings = settings;
        _sink = sink;
        _budget = budget ?? new InFlightBudget(settings.MaxInFlightBytes);
        _messageLog = messageLog;
        // Built once: Props from an expression compiles its arguments each time, which costs more than the session itself.
        _sessionProps = LmtpSessionActor.Props(settings, sink, _budget, messageLog);
        _materializer = Context.Materializer();

        Receive<Accepted>(accepted => OnAccepted(accepted.Socket));
        Receive<AcceptFailed>(OnAcceptFailed);
        Receive<ResumeAccepting>(_ => Accept());
        Receive<GetBinding>(_ => ReplyBinding(Sender));
        Receive<StopListening>(_ => OnStop());
        Receive<Terminated>(terminated =>
        {
            _sessions.Remove(terminated.ActorRef);
            UpdateStress();
            CheckDrained();
        });
        Receive<DrainDeadline>(_ => CutOff());
        Receive<UpdateTrapDomains>(update =>
        {
            _settings = _settings with { Domains = update.Domains };
            _sessionProps = LmtpSessionActor.Props(_settings, _sink, _budget, _messageLog);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="budget">The in-flight budget and its block pool; by default one of <see cref="LmtpServerSettings.MaxInFlightBytes"/> (tests pass their own, to watch it).</param>
    /// <param name="messageLog">Where each session writes its line per message (<see cref="MessageLog"/>); none by default.</param>
    public static Props Props(LmtpServerSettings settings, IActorRef sink, InFlightBudget? budget = null, ILogger? messageLog = null) =>
        Akka.Actor.Props.Create(() => new LmtpListenerActor(settings, sink, budget, messageLog));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        // Sockets directly, not Akka.IO or Akka.Streams' Tcp().Bind: see InboundTcpStage. Accepting goes one connection
        // at a time, each once the one before is handled: a burst of connections waits in the backlog.
        try
        {
            var address = IPAddress.TryParse(_settings.Host, out var ip) ? ip : System.Net.Dns.GetHostAddresses(_settings.Host)[0];
            _listenSocket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listenSocket.Bind(new IPEndPoint(address, _settings.Port));
            _listenSocket.Listen(ListenBacklog);
        }
        catch (Exception e) when (e is SocketException or IndexOutOfRangeException or ArgumentException)
        {
            _listenSocket?.Dispose();
            _listenSocket = null;
            _failure = $"cannot listen on {_settings.Host}:{_settings.Port}: {e.Message}";
            _log.Error(_failure);
            return;
        }
        _boundAddress = _listenSocket.LocalEndPoint;
        _log.Info("LMTP listening on {0}", _boundAddress);
        if (_boundAddress is IPEndPoint { Address: var bound } && !IPAddress.IsLoopback(bound))
            _log.Warning("LMTP is listening on a non-loopback address ({0}): anyone who reaches it can inject mail. Keep it on loopback or a private container network.", bound);
        Accept();
    }

    protected override void PostStop() => _listenSocket?.Dispose();

    private void Accept() =>
        _listenSocket?.AcceptAsync().PipeTo(Self, success: socket => new Accepted(socket), failure: e => new AcceptFailed(e));

    private void OnAcceptFailed(AcceptFailed failed)
    {
        if (failed.Cause is ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted })
            return; // the listening socket is closed: the listener is stopping
        if (failed.Cause is SocketException { SocketErrorCode: SocketError.ConnectionAborted or SocketError.ConnectionReset })
        {
            Accept(); // a client gone before it was accepted: nothing wrong with the listener
            return;
        }
        // Out of file descriptors, most likely: the connections already open go on, and accepting resumes in a moment
        // (at once would spin on the same error).
        _log.Error("accepting an LMTP connection failed: {0}", failed.Cause.Message);
        Timers.StartSingleTimer("accept", ResumeAccepting.Instance, AcceptRetryDelay);
    }

    // Binding happens in PreStart, so by the first message the outcome is known.
    private void ReplyBinding(IActorRef asker) =>
        asker.Tell(_boundAddress is { } bound ? new ListenerBound(bound) : new ListenerFailed(_failure ?? "not listening"));

    private void OnAccepted(Socket socket)
    {
        Accept();
        string peer;
        try
        {
            peer = socket.RemoteEndPoint?.ToString() ?? "unknown";
            socket.NoDelay = true;
            // The stage reads and writes without blocking, and waits for the socket only when it would block.
            socket.Blocking = false;
        }
        catch (SocketException)
        {
            socket.Dispose(); // reset before it could be served
            return;
        }
        var sessions = _sessions.Count;
        if (_stopRequester is null && sessions >= _settings.MaxConnections && EvictLongestIdle())
            sessions = 0;
        if (_stopRequester is not null || sessions >= _settings.MaxConnections)
        {
            var reply = _stopRequester is not null ? Replies.ShuttingDown : Replies.TooManyConnections;
            _settings.Metrics?.ConnectionsRefused.Add(1);
            if (_stopRequester is null)
                _log.Warning("refusing connection from {0}: {1} sessions already (max_connections)", peer, sessions);
            Flow.FromGraph(new InboundTcpStage(socket, peer))
                .Join(Flow.FromSinkAndSource(Sink.Cancelled<ByteString>(), Source.Single(ByteString.FromString(reply.ToString(), Encoding.UTF8))))
                .Run(_materializer);
            return;
        }

        var slot = new ConnectionSlot();
        var session = Context.ActorOf(_sessionProps, $"session-{++_connectionCount}");
        Context.Watch(session);
        _sessions.Add(session, slot);
        if (_underStress)
            session.Tell(new StressChanged(true));
        UpdateStress();
        Flow.FromGraph(new InboundTcpStage(socket, peer))
            .Join(Flow.FromGraph(new LmtpConnectionStage(session, peer, _settings, slot)))
            .Run(_materializer);
    }

    /// <summary>
    /// What Postfix does under stress: the connection idle longest between transactions is asked to close (it re-checks, and
    /// one in the middle of a message never does), and the new one is admitted in its place. False: none is idle.
    /// </summary>
    private bool EvictLongestIdle()
    {
        IActorRef oldest = ActorRefs.Nobody;
        var since = long.MaxValue;
        foreach (var (session, slot) in _sessions)
        {
            var idle = slot.IdleSince;
            if (idle != 0 && idle < since)
                (oldest, since) = (session, idle);
        }
        if (oldest.IsNobody())
            return false;
        _sessions[oldest].MarkBusy(); // not chosen twice while it closes
        _settings.Metrics?.ConnectionsEvicted.Add(1);
        oldest.Tell(EvictIfIdle.Instance);
        return true;
    }

    /// <summary>Above the stress threshold the sessions' command idle timeout is the short one, so idle connections make room.</summary>
    private void UpdateStress()
    {
        var under = _sessions.Count > _settings.MaxConnections * _settings.StressThreshold;
        if (under == _underStress)
            return;
        _underStress = under;
        _log.Info(under ? "LMTP under stress: {0} of {1} connection slots taken, command idle timeout {2}" : "LMTP no longer under stress: {0} of {1} connection slots taken",
            _sessions.Count, _settings.MaxConnections, _settings.StressCommandIdleTimeout);
        foreach (var session in _sessions.Keys)
            session.Tell(new StressChanged(under));
    }

    private void OnStop()
    {
        if (_stopRequester is not null)
            return;
        _stopRequester = Sender;
        // New connections are answered 421 from now on, rather than refused by a closed port (Postfix would log those as
        // failures to connect). The port is released when the listener stops, after this drain.
        _log.Info("LMTP stopping: {0} sessions open, deadline {1}", _sessions.Count, _settings.ShutdownDeadline);
        foreach (var session in _sessions.Keys)
            session.Tell(new Drain());
        Timers.StartSingleTimer("drain", DrainDeadline.Instance, _settings.ShutdownDeadline);
        CheckDrained();
    }

    private void CheckDrained()
    {
        if (_stopRequester is null || _sessions.Count > 0)
            return;
        Timers.Cancel("drain");
        _stopRequester.Tell(new ListenerStopped(0));
    }

    private void CutOff()
    {
        _log.Warning("LMTP shutdown deadline passed: closing {0} sessions still busy", _sessions.Count);
        foreach (var session in _sessions.Keys)
            Context.Stop(session);
        _stopRequester?.Tell(new ListenerStopped(_sessions.Count));
    }

    private const int ListenBacklog = 256;
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private sealed record DrainDeadline
    {
        public static readonly DrainDeadline Instance = new();
    }

    private sealed record Accepted(Socket Socket);

    private sealed record AcceptFailed(Exception Cause);

    private sealed record ResumeAccepting
    {
        public static readonly ResumeAccepting Instance = new();
    }
}
