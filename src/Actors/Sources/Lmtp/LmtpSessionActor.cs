using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// One LMTP connection: feeds what its connection stage reads to the protocol core (<see cref="LmtpConnection"/>), sends
/// the replies back, and does what only an actor can do for it: hands each message to the sink and answers with the
/// sink's verdict, keeps the timers (idle, message deadline, waiting for memory, the sink's silence) and drains on
/// shutdown. Whatever the core does not use yet stays here, and the stage reads on only as the core uses it, so a slow
/// sink or an exhausted memory budget stops the reading of this connection, and nothing else.
/// </summary>
public sealed partial class LmtpSessionActor : UntypedActor, IWithTimers, IConnectionTrace
{
    private static readonly KeyValuePair<string, object?> Source = new("source", "lmtp");

    private static readonly TimeSpan BudgetRetryInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SinkAnswerGrace = TimeSpan.FromSeconds(2);

    private readonly LmtpServerSettings _settings;
    private readonly IActorRef _sink;
    private readonly InFlightBudget _budget;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ILogger _messageLog;
    private ConnectionSlot _slot = new();
    private LmtpConnection? _core;
    private IActorRef _connection = ActorRefs.Nobody;
    private string _peer = "";
    private ByteString _input = ByteString.Empty;
    private int _consumed;
    private ConnectionWait _wait = ConnectionWait.Input;
    private DateTime? _budgetDeadline;
    private ReceivedMessage? _delivering;
    private long _deliveredAt;
    private string? _subject;
    private bool _readingMessage;
    private bool _inputEnded;
    private bool _reportedUnfinished;
    private bool _draining;
    private bool _underStress;
    private bool _closed;

    public LmtpSessionActor(LmtpServerSettings settings, IActorRef sink, InFlightBudget budget, ILogger messageLog)
    {
        _settings = settings;
        _sink = sink;
        _budget = budget;
        _messageLog = messageLog;
    }

    // A switch, not ReceiveActor's handlers: those are built anew for every instance, and there is one per connection.
    protected override void OnReceive(object message)
    {
        if (_closed)
        {
            if (message is ConnectionClosed)
                Context.Stop(Self);
            return;
        }
        switch (message)
        {
            case BytesReceived received:
                // What the core left is a partial command line at most (or, waiting for memory, a window of a message).
                _input = _input.IsEmpty ? received.Bytes : _input.Concat(received.Bytes).Compact();
                RunIf(ConnectionWait.Input);
                break;
            case MessageStored stored:
                OnSinkAnswer(stored.Message, Replies.Delivered(stored.Message.Sha256), "stored", null);
                break;
            case MessageNotStored refused:
                OnSinkAnswer(refused.Message, Replies.For(refused.Reason), refused.Detail, refused.Reason);
                break;
            case SinkSilent silent:
                OnSinkAnswer(silent.Message, Replies.SinkTimedOut, $"no answer from the sink within {_settings.SinkDeadline}", NotStoredReason.Timeout);
                break;
            case RepliesRead:
                RunIf(ConnectionWait.RepliesRead);
                break;
            case ConnectionOpened opened:
                OnOpened(opened);
                break;
            case RetryBudget:
                OnRetryBudget();
                break;
            case InputEnded:
                _inputEnded = true;
                RunIf(ConnectionWait.Input);
                break;
            case IdleTimedOut:
                OnIdle();
                break;
            case MessageDeadlinePassed:
                OnMessageDeadline();
                break;
            case Drain:
                OnDrain();
                break;
            case EvictIfIdle:
                OnEvict();
                break;
            case StressChanged stress:
                _underStress = stress.UnderStress;
                if (_core is not null && _wait == ConnectionWait.Input && !_core.ReadingMessage)
                    RestartIdleTimer();
                break;
            case ConnectionClosed:
                ReportUnfinished("was disconnected");
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="messageLog">Where the line per message goes (<see cref="MessageLog"/>); none by default.</param>
    public static Props Props(LmtpServerSettings settings, IActorRef sink, InFlightBudget budget, ILogger? messageLog = null) =>
        Akka.Actor.Props.Create(() => new LmtpSessionActor(settings, sink, budget, messageLog ?? NullLogger.Instance));

    protected override void PreStart() => _settings.Metrics?.SessionsOpen.Add(1);

    protected override void PostStop()
    {
        _settings.Metrics?.SessionsOpen.Add(-1);
        // A message being received goes back to the budget here; one handed to the sink is the sink's to release.
        _core?.Abandon();
        base.PostStop();
    }

    private void OnOpened(ConnectionOpened opened)
    {
        _connection = opened.Connection;
        _peer = opened.Peer;
        _slot = opened.Slot;
        _core = new LmtpConnection(_settings.SessionSettings, _budget, _peer, trace: _settings.Metrics is null ? null : this);
        Write(ReadAhead.NextPiece);
        _slot.MarkIdle();
        RestartIdleTimer();
        if (_draining)
            OnDrain();
    }

    private void RunIf(ConnectionWait waitingFor)
    {
        if (_wait == waitingFor && _core is not null)
            Run();
    }

    /// <summary>Gives the core what it has not used yet, sends what it answered, and waits for what it says.</summary>
    private void Run()
    {
        var core = _core!;
        core.Session.MailRefusal = _settings.Publishing is { Available: false } ? Replies.NothingCanPublish : null;
        var step = core.Process(_input.ToReadOnlySpan());
        _input = _input.Slice(step.Consumed);
        _consumed += step.Consumed;
        _wait = step.Wait;
        // The idle timeouts are for a whole command, or for the next bytes of a message: a line that never ends does not
        // hold the connection by trickling.
        var progressed = core.ReadingMessage ? step.Consumed > 0 : !core.Output.IsEmpty;
        if (_wait != ConnectionWait.Memory)
            _budgetDeadline = null;
        switch (_wait)
        {
            case ConnectionWait.Input when _inputEnded:
                // The client is done sending; whatever it left unfinished (a partial line or message) is dropped.
                ReportUnfinished("closed the connection");
                Close();
                return;
            case ConnectionWait.Close:
                Close();
                return;
            case ConnectionWait.Sink:
                Write(ReadAhead.Nothing);
                Deliver(core.Message);
                break;
            case ConnectionWait.Memory:
                Write(ReadAhead.Window);
                _budgetDeadline ??= DateTime.UtcNow + _settings.InFlightWait;
                Timers.StartSingleTimer(BudgetTimerKey, RetryBudget.Instance, BudgetRetryInterval);
                break;
            case ConnectionWait.RepliesRead:
                Write(ReadAhead.AfterRepliesRead);
                break;
            default:
                Write(core.ReadingMessage ? ReadAhead.Window : ReadAhead.NextPiece);
                break;
        }
        UpdateTimers(progressed);
        if (IdleBetweenTransactions)
            _slot.MarkIdle();
        else
            _slot.MarkBusy();
    }

    private bool IdleBetweenTransactions => _wait == ConnectionWait.Input && _core!.BetweenTransactions;

    private void Write(ReadAhead next)
    {
        var core = _core!;
        var replies = core.Output.IsEmpty ? ByteString.Empty : ByteString.FromBytes(core.Output.ToArray());
        core.ClearOutput();
        _connection.Tell(new WriteReplies(replies, _consumed, next));
        _consumed = 0;
    }

    /// <summary>
    /// The client went away with a message, a transaction or a command unfinished: one WARN line, no stack trace. Postfix,
    /// the only client, does so when it gives up on a delivery, and sends again what it got no 250 for.
    /// </summary>
    private void ReportUnfinished(string how)
    {
        if (_core is not { } core || _reportedUnfinished)
            return;
        var what = core.ReadingMessage ? $"a message ({core.Intake.Length} bytes received)"
            : core.Session.State is LmtpState.Transaction or LmtpState.Chunking ? "a transaction"
            : !_input.IsEmpty ? "a command" : null;
        if (what is null)
            return;
        _reportedUnfinished = true;
        _log.Warning("client {0} {1} in the middle of {2}: dropped, nothing stored for it (Postfix sends again what got no 250)", _peer, how, what);
    }

    private void Close()
    {
        Timers.CancelAll();
        var core = _core!;
        _connection.Tell(new WriteAndClose(ByteString.FromBytes(core.Output.ToArray())));
        core.ClearOutput();
        // The session lives until its connection stage has ended, so that the listener counts (and drains) real connections.
        _closed = true;
    }

    private void Deliver(ReceivedMessage message)
    {
        // The body and its share of the budget go to the sink, which releases both once nothing reads the bytes any more:
        // it may hold them past this session's reply (a 451 at the deadline while the frames are still being written).
        // Told, not asked: an ask's answer comes back through a task continuation, one more hop on the thread pool per
        // message. The sink is told the deadline and answers by then; the session waits a little longer, so that the sink's
        // answer, not the session's own timer, decides the reply whenever the sink is alive.
        _delivering = message;
        _deliveredAt = Stopwatch.GetTimestamp();
        // Read now: once handed to the sink, the bytes are the sink's.
        _subject = SubjectHeader.Read(message.Body);
        _settings.Metrics?.MessagesReceived.Add(1, Source);
        _settings.Metrics?.BytesReceived.Add(message.Body.Length, Source);
        _sink.Tell(new StoreMessage(message, DateTime.UtcNow + _settings.SinkDeadline));
        Timers.StartSingleTimer(SinkSilentKey, new SinkSilent(message), _settings.SinkDeadline + SinkAnswerGrace);
    }

    /// <summary>The sink's answer, or its silence, for <paramref name="message"/>; ignored unless it is the message being delivered.</summary>
    private void OnSinkAnswer(ReceivedMessage message, Reply verdict, string outcome, NotStoredReason? refused)
    {
        if (!ReferenceEquals(message, _delivering))
            return;
        _delivering = null;
        Timers.Cancel(SinkSilentKey);
        Count(refused);
        _settings.Activity?.Record(new MessageSeen(DateTimeOffset.UtcNow, message.Sha256, message.Body.Length, _subject, message.Envelope.Sender,
            message.Envelope.Recipients, message.Envelope.Xforward.GetValueOrDefault("ADDR"), message.Envelope.Xforward.GetValueOrDefault("HELO"),
            outcome, verdict.Code));
        // Only the body's length: its bytes are the sink's now, and may be gone.
        _messageLog.MessageDelivered(message.Sha256, message.Body.Length, string.Join(",", message.Envelope.Recipients), _peer,
            message.Envelope.Xforward.GetValueOrDefault("ADDR", "-"), outcome, verdict.Code, verdict.Enhanced, MessageLog.Printable(_subject));
        _core!.Delivered(verdict);
        Run();
    }

    private void OnDrain()
    {
        _draining = true;
        if (_core is null)
            return;
        // A message being received or stored is finished first: the core closes at the next command boundary.
        _core.Drain();
        if (_wait is ConnectionWait.Input or ConnectionWait.RepliesRead)
            Run();
    }

    /// <summary>The listener needs this slot: close, unless a message is being received or stored.</summary>
    private void OnEvict()
    {
        if (_core is null || !IdleBetweenTransactions)
            return;
        _log.Info("closing idle connection from {0}: every connection slot is taken", _peer);
        _core.Close(Replies.Evicted);
        Close();
    }

    void IConnectionTrace.Answered(ConnectionInput input, ReadOnlySpan<byte> line, bool bareLineFeed, long bodyStart, long bodyEnd, IReadOnlyList<Reply> replies) =>
        _settings.Metrics?.CountReplies(replies);

    private void Count(NotStoredReason? refused)
    {
        if (_settings.Metrics is not { } metrics)
            return;
        metrics.SinkDuration.Record(Stopwatch.GetElapsedTime(_deliveredAt).TotalSeconds, Source);
        if (refused is { } reason)
            metrics.MessagesNotStored.Add(1, Source, new("reason", reason.ToString().ToLowerInvariant()));
        else
            metrics.MessagesStored.Add(1, Source, metrics.Sink);
    }
}
