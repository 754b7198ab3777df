using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// One LMTP connection: drives the protocol machine (<see cref="LmtpSession"/>) with the input events of its connection
/// stage, collects and hashes the message, hands it to the sink and answers each recipient with the sink's verdict.
/// Every input event is answered with <see cref="ContinueReading"/> only when the session is ready for the next one, and
/// body bytes with <see cref="BodyBytesTaken"/> only once they are kept, so a slow sink or an exhausted memory budget
/// stops the reading of this connection, and nothing else.
/// </summary>
public sealed class LmtpSessionActor : UntypedActor, IWithTimers
{
    private static readonly TimeSpan BudgetRetryInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SinkAnswerGrace = TimeSpan.FromSeconds(2);

    private readonly LmtpServerSettings _settings;
    private readonly IActorRef _sink;
    private readonly InFlightBudget _budget;
    private readonly LmtpSession _session;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ILogger _messageLog;
    private readonly Queue<BodyBytesReceived> _bodyQueue = new();
    private IActorRef _connection = ActorRefs.Nobody;
    private string _peer = "";
    private ReadMode _mode = ReadMode.Command;
    private MessageBodyBuilder? _body;
    private long _reserved;
    private bool _outOfMemory;
    private DateTime? _budgetDeadline;
    private ReceivedMessage? _delivering;
    private bool _draining;
    private ByteString? _heldReplies;
    private bool _closed;

    public LmtpSessionActor(LmtpServerSettings settings, IActorRef sink, InFlightBudget budget, ILogger messageLog)
    {
        _settings = settings;
        _sink = sink;
        _budget = budget;
        _messageLog = messageLog;
        _session = new LmtpSession(settings.SessionSettings);
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
            case CommandLinesReceived received:
                OnCommandLines(received.Lines);
                break;
            case BodyBytesReceived body:
                OnBody(body);
                break;
            case MessageStored stored:
                OnSinkAnswer(stored.Message, Replies.Delivered(stored.Message.Sha256), "stored");
                break;
            case MessageNotStored refused:
                OnSinkAnswer(refused.Message, Replies.For(refused.Reason), refused.Detail);
                break;
            case SinkSilent silent:
                OnSinkAnswer(silent.Message, Replies.SinkTimedOut, $"no answer from the sink within {_settings.SinkDeadline}");
                break;
            case ConnectionOpened opened:
                OnOpened(opened);
                break;
            case RetryBudget:
                RetryWaitingBody();
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
            case ConnectionClosed:
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

    protected override void PostStop()
    {
        // A message being received goes back to the budget here; one handed to the sink is the sink's to release.
        ReleaseBody();
        base.PostStop();
    }

    private void OnOpened(ConnectionOpened opened)
    {
        _connection = opened.Connection;
        _peer = opened.Peer;
        _connection.Tell(new WriteReplies(Encode([_session.Greeting])));
        RestartIdleTimer();
        if (_draining)
            OnDrain();
    }

    private void OnBody(BodyBytesReceived received)
    {
        if (_mode == ReadMode.DiscardChunk)
        {
            Apply(_session.ChunkEnded(BodyStatus.Complete));
            return;
        }
        _bodyQueue.Enqueue(received);
        if (_bodyQueue.Count == 1)
            TakeBody();
    }

    /// <summary>Takes queued body pieces in hand while the memory budget has room; otherwise waits, and in the end gives up with 452.</summary>
    private void TakeBody()
    {
        while (_bodyQueue.TryPeek(out var received))
        {
            if (!_outOfMemory && !TryKeep(received))
            {
                if (!Timers.IsTimerActive(BudgetTimerKey))
                {
                    _budgetDeadline ??= DateTime.UtcNow + _settings.InFlightWait;
                    Timers.Cancel(IdleTimerKey);
                    Timers.StartSingleTimer(BudgetTimerKey, RetryBudget.Instance, BudgetRetryInterval);
                }
                return;
            }
            _bodyQueue.Dequeue();
            _budgetDeadline = null;
            Taken(received);
        }
    }

    private void RetryWaitingBody()
    {
        if (_heldReplies is { } replies)
        {
            if (ReserveDeclared() || BudgetWaitOver())
            {
                _heldReplies = null;
                _budgetDeadline = null;
                Read(replies, ReadMode.Data);
            }
            else
            {
                Timers.StartSingleTimer(BudgetTimerKey, RetryBudget.Instance, BudgetRetryInterval);
            }
            return;
        }
        if (_bodyQueue.Count > 0)
            BudgetWaitOver();
        TakeBody();
    }

    /// <summary>Past the wait for room: the rest of the message is read without keeping it, and refused with 452 4.3.1.</summary>
    private bool BudgetWaitOver()
    {
        if (_budgetDeadline is not { } deadline || DateTime.UtcNow < deadline)
            return false;
        _log.Warning("Memory budget for messages in flight ({0} bytes) exhausted for {1}; message from {2} will get 452", _budget.Capacity, _settings.InFlightWait, _peer);
        _outOfMemory = true;
        return true;
    }

    /// <summary>
    /// With SIZE= declared (Postfix always declares it) the whole message is reserved before its first byte is kept, and
    /// for DATA before the 354 that lets the client send it. Reserving piece by piece, many large messages at once each
    /// held part of the budget and waited for the rest, until all of them gave up with 452 together; reserving only once
    /// the bytes came, each waiting session held its connection's read window of them (256 KiB), long enough to be
    /// promoted to gen2 and left there as garbage.
    /// </summary>
    private bool ReserveDeclared()
    {
        var needed = DeclaredReservation() - _reserved;
        if (needed <= 0)
            return true;
        if (!_budget.TryReserve(needed, _reserved + needed))
            return false;
        _reserved += needed;
        return true;
    }

    /// <summary>The declared size in whole blocks, or 0 without SIZE= (or one the budget can never hold: reserved as it comes).</summary>
    private long DeclaredReservation()
    {
        var declared = _session.Parameters.Size is { } size ? WholeBlocks(size) : 0;
        return _budget.CanHold(declared) ? declared : 0;
    }

    /// <summary>DATA's replies (ending in 354) are held until the declared size is reserved, or the wait for it is over.</summary>
    private void WaitForBudgetBefore(ByteString replies)
    {
        _heldReplies = replies;
        _budgetDeadline = DateTime.UtcNow + _settings.InFlightWait;
        Timers.Cancel(IdleTimerKey);
        Timers.StartSingleTimer(BudgetTimerKey, RetryBudget.Instance, BudgetRetryInterval);
    }

    private bool TryKeep(BodyBytesReceived received)
    {
        var body = _body!;
        var count = ByteCount(received);
        var needed = Math.Max(body.Capacity + body.CapacityNeededFor(count), DeclaredReservation()) - _reserved;
        if (needed > 0 && !_budget.TryReserve(needed, _reserved + needed))
            return false;
        _reserved += Math.Max(needed, 0);
        if (body.Length + count > body.MaxBytes)
        {
            // Nothing was reserved for a piece that takes the message over the limit, so none of it may be kept: appended
            // slice by slice, those before the limit would be, in blocks outside the budget.
            body.Skip(count);
            return true;
        }
        foreach (var slice in received.Slices)
            body.Append(slice.ToReadOnlySpan());
        return true;
    }

    private void Taken(BodyBytesReceived received)
    {
        if (!received.Ended)
        {
            RestartIdleTimer();
            _connection.Tell(new BodyBytesTaken(ByteCount(received)));
            return;
        }
        var status = _outOfMemory ? BodyStatus.NoMemory : _body!.TooBig ? BodyStatus.TooBig : BodyStatus.Complete;
        Apply(_mode == ReadMode.Data ? _session.DataEnded(status) : _session.ChunkEnded(status));
    }

    /// <summary>A pipelined group: the replies of the commands that only answer are gathered and go with the last one's step.</summary>
    private void OnCommandLines(IReadOnlyList<CommandLine> lines)
    {
        List<Reply>? answered = null;
        for (var i = 0; ; i++)
        {
            var line = lines[i];
            var step = line.TooLong ? _session.HandleLineTooLong() : _session.HandleLine(line.Bytes.ToReadOnlySpan(), line.BareLineFeed);
            if (i == lines.Count - 1 || step.Action != SessionAction.ReadCommand || _draining)
            {
                // A step that does more than answer (a close, say) ends the group: the commands after it are not read.
                Apply(step, answered);
                return;
            }
            (answered ??= []).AddRange(step.Replies);
        }
    }

    /// <param name="before">Replies of earlier commands in the same group, sent ahead of this step's.</param>
    private void Apply(SessionStep step, IReadOnlyList<Reply>? before = null)
    {
        var replies = Encode(step.Replies, before);
        if (_body is not null && _session.State is LmtpState.Greeted or LmtpState.Ready)
            ReleaseBody();

        switch (step.Action)
        {
            case SessionAction.ReadCommand when _draining:
                Close(replies.Concat(Encode(_session.Close(Replies.ShuttingDown).Replies)));
                break;
            case SessionAction.ReadCommand:
                Read(replies, ReadMode.Command);
                break;
            case SessionAction.ReadData:
                StartBody();
                if (ReserveDeclared())
                    Read(replies, ReadMode.Data);
                else
                    WaitForBudgetBefore(replies);
                break;
            case SessionAction.ReadChunk:
                if (_body is null)
                    StartBody();
                Read(replies, ReadMode.Chunk, step.ChunkSize);
                break;
            case SessionAction.DiscardChunk:
                Read(replies, ReadMode.DiscardChunk, step.ChunkSize);
                break;
            case SessionAction.Deliver:
                Deliver();
                break;
            case SessionAction.Close:
                Close(replies);
                break;
        }
    }

    private void Read(ByteString replies, ReadMode mode, long chunkSize = 0)
    {
        if (mode == ReadMode.Command)
            Timers.Cancel(MessageDeadlineKey);
        else if (_mode == ReadMode.Command)
            Timers.StartSingleTimer(MessageDeadlineKey, MessageDeadlinePassed.Instance, _settings.MessageDeadline);
        _mode = mode;
        RestartIdleTimer();
        _connection.Tell(new ContinueReading(replies, mode, chunkSize));
    }

    /// <param name="replies">The last replies, the closing one included.</param>
    private void Close(ByteString replies)
    {
        Timers.CancelAll();
        _connection.Tell(new WriteAndClose(replies));
        // The session lives until its connection stage has ended, so that the listener counts (and drains) real connections.
        _closed = true;
    }

    private void StartBody()
    {
        _outOfMemory = false;
        _body = new MessageBodyBuilder(_settings.Limits.MaxMessageBytes, _budget.Blocks);
    }

    /// <summary>The session's own share: the blocks of a message not handed on, and what it reserved for them.</summary>
    private void ReleaseBody()
    {
        _body?.Abandon();
        _budget.Release(_reserved);
        _reserved = 0;
        _body = null;
    }

    private void Deliver()
    {
        Timers.Cancel(IdleTimerKey);
        // The body and its share of the budget go to the sink, which releases both once nothing reads the bytes any more:
        // it may hold them past this session's reply (a 451 at the deadline while the frames are still being written).
        var budget = _budget;
        var reserved = _reserved;
        _reserved = 0;
        var (body, sha256) = _body!.Build(() => budget.Release(reserved));
        var envelope = new MessageEnvelope(
            _session.Sender ?? "",
            [.. _session.Recipients],
            _session.Xforward,
            _session.ClientName,
            _peer,
            DateTimeOffset.UtcNow);
        var message = new ReceivedMessage(body, sha256, envelope);
        // Told, not asked: an ask's answer comes back through a task continuation, one more hop on the thread pool per
        // message. The sink is told the deadline and answers by then; the session waits a little longer, so that the sink's
        // answer, not the session's own timer, decides the reply whenever the sink is alive.
        _delivering = message;
        _sink.Tell(new StoreMessage(message, DateTime.UtcNow + _settings.SinkDeadline));
        Timers.StartSingleTimer(SinkSilentKey, new SinkSilent(message), _settings.SinkDeadline + SinkAnswerGrace);
    }

    /// <summary>The sink's answer, or its silence, for <paramref name="message"/>; ignored unless it is the message being delivered.</summary>
    private void OnSinkAnswer(ReceivedMessage message, Reply verdict, string outcome)
    {
        if (!ReferenceEquals(message, _delivering))
            return;
        _delivering = null;
        Timers.Cancel(SinkSilentKey);
        // Only the body's length: its bytes are the sink's now, and may be gone.
        _messageLog.MessageDelivered(message.Sha256, message.Body.Length, string.Join(",", message.Envelope.Recipients), _peer,
            message.Envelope.Xforward.GetValueOrDefault("ADDR", "-"), outcome, verdict.Code, verdict.Enhanced);
        ReleaseBody();
        Apply(_session.Delivered(verdict));
    }

    private void OnIdle()
    {
        if (_session.State == LmtpState.Delivering || _bodyQueue.Count > 0 || _heldReplies is not null)
            return;
        _log.Info("idle timeout for {0} in state {1}", _peer, _session.State);
        Close(Encode(_session.Close(Replies.IdleTimeout).Replies));
    }

    private void OnMessageDeadline()
    {
        // Waiting for memory is bounded by in_flight_wait_seconds, storing by the sink's deadline.
        if (_session.State != LmtpState.ReadingMessage || _bodyQueue.Count > 0 || _heldReplies is not null)
            return;
        _log.Info("message deadline passed for {0}: {1} bytes received", _peer, _body?.Length ?? 0);
        Close(Encode(_session.Close(Replies.IdleTimeout).Replies));
    }

    private void OnDrain()
    {
        _draining = true;
        if (_connection.IsNobody())
            return;
        // A message being received or stored is finished first; Apply closes the session after its replies.
        if (_session.State is not (LmtpState.ReadingMessage or LmtpState.Delivering))
            Close(Encode(_session.Close(Replies.ShuttingDown).Replies));
    }

    private void RestartIdleTimer()
    {
        var timeout = _mode == ReadMode.Command ? _settings.CommandIdleTimeout : _settings.DataIdleTimeout;
        Timers.StartSingleTimer(IdleTimerKey, IdleTimedOut.Instance, timeout);
    }

    private static int ByteCount(BodyBytesReceived received)
    {
        var count = 0;
        foreach (var slice in received.Slices)
            count += slice.Count;
        return count;
    }

    /// <summary>One buffer for the replies of a whole pipelined group (<paramref name="before"/>, then <paramref name="replies"/>).</summary>
    private static ByteString Encode(IReadOnlyList<Reply> replies, IReadOnlyList<Reply>? before = null)
    {
        if (replies.Count == 0 && (before is null || before.Count == 0))
            return ByteString.Empty;
        var text = new StringBuilder();
        foreach (var reply in before ?? [])
            text.Append(reply.ToString());
        foreach (var reply in replies)
            text.Append(reply.ToString());
        return ByteString.FromString(text.ToString(), Encoding.UTF8);
    }

    private long WholeBlocks(long bytes) => MessageBodyBuilder.BlocksFor(bytes, _budget.Blocks.BlockBytes) * _budget.Blocks.BlockBytes;

    private const string IdleTimerKey = "idle";
    private const string MessageDeadlineKey = "message-deadline";
    private const string BudgetTimerKey = "budget";
    private const string SinkSilentKey = "sink-silent";

    private sealed record SinkSilent(ReceivedMessage Message);

    private sealed record MessageDeadlinePassed
    {
        public static readonly MessageDeadlinePassed Instance = new();
    }

    private sealed record IdleTimedOut
    {
        public static readonly IdleTimedOut Instance = new();
    }

    private sealed record RetryBudget
    {
        public static readonly RetryBudget Instance = new();
    }
}
