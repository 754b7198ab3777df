using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using SmtpCollector.Protocol.Lmtp;
using Tcp = Akka.IO.Tcp;

namespace SmtpCollector.Actors.Lmtp;

/// <summary>
/// Binds the LMTP port and gives every connection its own session actor and connection stage. Sessions are children
/// stopped on failure: a session that breaks takes only its own connection down (its stage answers 421 and closes).
/// </summary>
public sealed class LmtpListenerActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _sink;
    private readonly InFlightBudget _budget;
    private LmtpServerSettings _settings;
    private Props _sessionProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IMaterializer _materializer;
    private readonly List<IActorRef> _waitingForBinding = [];
    // Not Context.GetChildren(): the materializer's stream supervisor is a child too.
    private readonly HashSet<IActorRef> _sessions = [];
    private System.Net.EndPoint? _boundAddress;
    private IActorRef? _tcpListener;
    private string? _failure;
    private IActorRef? _stopRequester;
    private long _connectionCount;

    public LmtpListenerActor(LmtpServerSettings settings, IActorRef sink, InFlightBudget? budget = null)
    {
        _settings = settings;
        _sink = sink;
        _budget = budget ?? new InFlightBudget(settings.MaxInFlightBytes);
        // Built once: Props from an expression compiles its arguments each time, which costs more than the session itself.
        _sessionProps = LmtpSessionActor.Props(settings, sink, _budget);
        _materializer = Context.Materializer();

        Receive<Tcp.Bound>(OnBound);
        Receive<Tcp.CommandFailed>(failed => failed.Cmd is Tcp.Bind, failed => OnBindFailed(failed));
        Receive<Tcp.Connected>(connected => OnAccepted(Sender, connected));
        Receive<GetBinding>(_ => ReplyBinding(Sender));
        Receive<StopListening>(_ => OnStop());
        Receive<Terminated>(terminated =>
        {
            _sessions.Remove(terminated.ActorRef);
            CheckDrained();
        });
        Receive<DrainDeadline>(_ => CutOff());
        Receive<UpdateTrapDomains>(update =>
        {
            _settings = _settings with { Domains = update.Domains };
            _sessionProps = LmtpSessionActor.Props(_settings, _sink, _budget);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="budget">The in-flight budget and its block pool; by default one of <see cref="LmtpServerSettings.MaxInFlightBytes"/> (tests pass their own, to watch it).</param>
    public static Props Props(LmtpServerSettings settings, IActorRef sink, InFlightBudget? budget = null) =>
        Akka.Actor.Props.Create(() => new LmtpListenerActor(settings, sink, budget));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        // Akka.IO directly, not Akka.Streams' Tcp().Bind: see InboundTcpStage for the leak that avoids. Pull mode: each
        // connection reads only on demand, and accepting goes one connection at a time (ResumeAccepting below).
        System.Net.IPAddress address;
        try
        {
            address = System.Net.IPAddress.TryParse(_settings.Host, out var ip) ? ip : System.Net.Dns.GetHostAddresses(_settings.Host)[0];
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IndexOutOfRangeException or ArgumentException)
        {
            _failure = $"cannot listen on {_settings.Host}:{_settings.Port}: {e.Message}";
            _log.Error(_failure);
            return;
        }
        Context.System.Tcp().Tell(new Tcp.Bind(Self, new System.Net.IPEndPoint(address, _settings.Port), backlog: 256, pullMode: true));
    }

    private void OnBound(Tcp.Bound bound)
    {
        _boundAddress = bound.LocalAddress;
        _tcpListener = Sender;
        _log.Info("LMTP listening on {0}", bound.LocalAddress);
        if (bound.LocalAddress is System.Net.IPEndPoint { Address: var address } && !System.Net.IPAddress.IsLoopback(address))
            _log.Warning("LMTP is listening on a non-loopback address ({0}): anyone who reaches it can inject mail. Keep it on loopback or a private container network.", address);
        _tcpListener.Tell(new Tcp.ResumeAccepting(1));
        foreach (var waiting in _waitingForBinding)
            ReplyBinding(waiting);
        _waitingForBinding.Clear();
    }

    private void OnBindFailed(Tcp.CommandFailed failed)
    {
        _failure = $"cannot listen on {_settings.Host}:{_settings.Port}: {failed.CauseString}";
        _log.Error(_failure);
        foreach (var waiting in _waitingForBinding)
            ReplyBinding(waiting);
        _waitingForBinding.Clear();
    }

    private void ReplyBinding(IActorRef asker)
    {
        if (_boundAddress is { } bound)
            asker.Tell(new ListenerBound(bound));
        else if (_failure is not null)
            asker.Tell(new ListenerFailed(_failure));
        else
            _waitingForBinding.Add(asker);
    }

    private void OnAccepted(IActorRef connection, Tcp.Connected connected)
    {
        // One accept at a time, each once the one before is handled: a burst of connections waits in the backlog.
        _tcpListener?.Tell(new Tcp.ResumeAccepting(1));
        var peer = connected.RemoteAddress.ToString() ?? "unknown";
        var sessions = _sessions.Count;
        if (_stopRequester is not null || sessions >= _settings.MaxConnections)
        {
            var reply = _stopRequester is not null ? Replies.ShuttingDown : Replies.TooManyConnections;
            if (_stopRequester is null)
                _log.Warning("refusing connection from {0}: {1} sessions already (max_connections)", peer, sessions);
            Flow.FromGraph(new InboundTcpStage(connection, peer))
                .Join(Flow.FromSinkAndSource(Sink.Cancelled<ByteString>(), Source.Single(ByteString.FromString(reply.ToString(), Encoding.UTF8))))
                .Run(_materializer);
            return;
        }

        var session = Context.ActorOf(_sessionProps, $"session-{++_connectionCount}");
        Context.Watch(session);
        _sessions.Add(session);
        Flow.FromGraph(new InboundTcpStage(connection, peer))
            .Join(Flow.FromGraph(new LmtpConnectionStage(session, peer, _settings)))
            .Run(_materializer);
    }

    private void OnStop()
    {
        if (_stopRequester is not null)
            return;
        _stopRequester = Sender;
        // New connections are answered 421 from now on. The port is not unbound here: in Akka.NET the accepted connections
        // are children of the TCP listener, so unbinding would cut off connections still writing their last reply.
        // It is released when the actor system stops, after this drain.
        _log.Info("LMTP stopping: {0} sessions open, deadline {1}", _sessions.Count, _settings.ShutdownDeadline);
        foreach (var session in _sessions)
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
        foreach (var session in _sessions)
            Context.Stop(session);
        _stopRequester?.Tell(new ListenerStopped(_sessions.Count));
    }

    private sealed record DrainDeadline
    {
        public static readonly DrainDeadline Instance = new();
    }
}
