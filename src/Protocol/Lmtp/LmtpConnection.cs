using System.Buffers;
using System.Text;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// One LMTP connection as a value machine: the client's bytes in, the replies to write, whole messages and the next thing
/// to wait for out. It frames command lines, dot-unstuffed DATA and BDAT chunks, drives <see cref="LmtpSession"/>, takes
/// message bytes in hand within the in-flight budget and hashes them. No sockets, no actors, no timers: its caller (the
/// session actor, or a fuzzer) passes the bytes it has, writes <see cref="Output"/>, and does what <see cref="ConnectionWait"/>
/// says. Over-long lines are answered, never a failure; limits are enforced while reading.
/// </summary>
public sealed class LmtpConnection
{
    /// <summary>Commands answered before their replies are written and read: bounds what a client that does not read can pile up.</summary>
    public const int MaxCommandsPerGroup = 32;

    private enum Mode : byte
    {
        Command,
        Data,
        Chunk,
        DiscardChunk,
    }

    private readonly LmtpSession _session;
    private readonly BodyIntake _intake;
    private readonly string _peer;
    private readonly TimeProvider _time;
    private readonly IConnectionTrace? _trace;
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private readonly List<DataScan> _scans = new(4);
    private Mode _mode;
    private CommandLineFramer _lines;
    private DotUnstuffer _data;
    private ChunkReader _chunk;
    private IReadOnlyList<Reply>? _held;
    private ReceivedMessage? _message;
    private long _offset;
    private long _bodyStart;
    private bool _draining;

    public LmtpConnection(LmtpSessionSettings settings, InFlightBudget budget, string peer, TimeProvider? time = null, IConnectionTrace? trace = null)
    {
        _session = new LmtpSession(settings);
        _intake = new BodyIntake(budget, settings.Limits.MaxMessageBytes);
        _lines = new CommandLineFramer(settings.Limits.MaxCommandLineBytes);
        _peer = peer;
        _time = time ?? TimeProvider.System;
        _trace = trace;
        Emit([_session.Greeting]);
    }

    public LmtpSession Session => _session;

    /// <summary>The message being received, for checks of what it holds against the budget.</summary>
    public BodyIntake Intake => _intake;

    /// <summary>Replies not yet taken by <see cref="ClearOutput"/>: the greeting first.</summary>
    public ReadOnlySpan<byte> Output => _output.WrittenSpan;

    /// <summary>Reading a message's bytes (DATA or a BDAT chunk), or holding its 354 until there is room for it.</summary>
    public bool ReadingMessage => _mode != Mode.Command || _held is not null;

    /// <summary>Between transactions: no message is being received or stored (the connection to close first when slots run out).</summary>
    public bool BetweenTransactions => _session.State is LmtpState.Greeted or LmtpState.Ready && _held is null;

    public bool Closed => _session.State == LmtpState.Closed;

    /// <summary>The message to hand on, after <see cref="ConnectionWait.Sink"/>.</summary>
    public ReceivedMessage Message => _message ?? throw new InvalidOperationException("No message is waiting for the sink.");

    public void ClearOutput() => _output.ResetWrittenCount();

    /// <summary>Uses as much of <paramref name="input"/> as it can; what it did not use must be passed again, with more after it.</summary>
    public ConnectionStep Process(ReadOnlySpan<byte> input)
    {
        var consumed = 0;
        var commands = 0;
        while (true)
        {
            ConnectionWait? wait;
            if (Closed)
                wait = ConnectionWait.Close;
            else if (_message is not null)
                wait = ConnectionWait.Sink;
            else if (_held is not null && !StartData())
                wait = ConnectionWait.Memory;
            else if (_mode == Mode.Command && _draining)
            {
                Emit(_session.Close(Replies.ShuttingDown).Replies);
                continue;
            }
            else if (_mode == Mode.Command && commands == MaxCommandsPerGroup && consumed < input.Length)
                wait = ConnectionWait.RepliesRead;
            else if (_mode == Mode.Command)
            {
                commands++;
                wait = StepCommand(input, ref consumed);
            }
            else
                wait = _mode == Mode.Data ? StepData(input, ref consumed) : StepChunk(input, ref consumed);
            if (wait is { } stop)
                return new(consumed, stop);
        }
    }

    /// <summary>The sink's verdict on <see cref="Message"/>: one reply per recipient, then commands again.</summary>
    public void Delivered(Reply verdict)
    {
        _ = Message;
        _message = null;
        var step = _session.Delivered(verdict);
        _trace?.Answered(ConnectionInput.Delivered, [], false, 0, 0, step.Replies);
        Apply(step);
    }

    /// <summary>The wait for room in the budget is over: the message is read to its end without keeping it, and refused 452.</summary>
    public void GiveUpOnMemory() => _intake.GiveUp();

    /// <summary>Close at the next command boundary (after the message in hand, if any), answering 421.</summary>
    public void Drain() => _draining = true;

    /// <summary>The transport gives up on the session now (idle timeout, shutdown): <paramref name="reply"/> is its last word.</summary>
    public void Close(Reply reply) => Emit(_session.Close(reply).Replies);

    /// <summary>The connection is gone: the message being received goes back to the budget (one handed on is the sink's).</summary>
    public void Abandon() => _intake.Abandon();

    // Each step uses input[consumed..] and moves consumed past what it used; it returns what to wait for, or null to go on.

    private ConnectionWait? StepCommand(ReadOnlySpan<byte> input, ref int consumed)
    {
        var scan = _lines.Scan(input[consumed..]);
        var line = input.Slice(consumed, scan.LineLength);
        Consume(ref consumed, scan.Consumed);
        switch (scan.Kind)
        {
            case LineScanKind.Line:
                var step = _session.HandleLine(line, scan.BareLineFeed);
                _trace?.Answered(ConnectionInput.Line, line, scan.BareLineFeed, 0, 0, step.Replies);
                Apply(step);
                return null;
            case LineScanKind.TooLong:
                var tooLong = _session.HandleLineTooLong();
                _trace?.Answered(ConnectionInput.LineTooLong, [], false, 0, 0, tooLong.Replies);
                Apply(tooLong);
                return null;
            default:
                return ConnectionWait.Input;
        }
    }

    private ConnectionWait? StepData(ReadOnlySpan<byte> input, ref int consumed)
    {
        var rest = input[consumed..];
        if (rest.IsEmpty)
            return ConnectionWait.Input;
        var before = _data;
        _scans.Clear();
        var used = 0;
        var count = 0;
        var ended = false;
        while (used < rest.Length && !ended)
        {
            var scan = _data.Scan(rest[used..]);
            _scans.Add(scan with { Start = scan.Start + used });
            count += scan.Length + (scan.HeldCarriageReturn ? 1 : 0);
            used += scan.Consumed;
            ended = scan.Ended;
        }
        if (!_intake.TryReserveFor(count, _session.Parameters.Size))
        {
            _data = before;
            return ConnectionWait.Memory;
        }
        if (_intake.Keeps(count))
        {
            foreach (var scan in _scans)
            {
                if (scan.HeldCarriageReturn)
                    _intake.Append("\r"u8);
                _intake.Append(rest.Slice(scan.Start, scan.Length));
            }
        }
        Consume(ref consumed, used);
        if (ended)
            EndBody(ConnectionInput.DataEnded, _session.DataEnded(_intake.Status));
        return null;
    }

    private ConnectionWait? StepChunk(ReadOnlySpan<byte> input, ref int consumed)
    {
        var rest = input[consumed..];
        if (rest.IsEmpty && !_chunk.Done)
            return ConnectionWait.Input;
        var before = _chunk;
        var take = _chunk.Take(rest.Length);
        if (_mode == Mode.Chunk && !_intake.TryReserveFor(take, _session.Parameters.Size))
        {
            _chunk = before;
            return ConnectionWait.Memory;
        }
        if (_mode == Mode.Chunk && _intake.Keeps(take))
            _intake.Append(rest[..take]);
        Consume(ref consumed, take);
        if (_chunk.Done)
            EndBody(ConnectionInput.ChunkEnded, _session.ChunkEnded(_mode == Mode.Chunk ? _intake.Status : BodyStatus.Complete));
        return null;
    }

    private void Consume(ref int consumed, int count)
    {
        consumed += count;
        _offset += count;
    }

    private void EndBody(ConnectionInput input, SessionStep step)
    {
        _trace?.Answered(input, [], false, _bodyStart, _offset, step.Replies);
        Apply(step);
    }

    private void Apply(SessionStep step)
    {
        if (_intake.Started && _session.State is LmtpState.Greeted or LmtpState.Ready)
            _intake.Abandon();
        switch (step.Action)
        {
            case SessionAction.ReadCommand:
                _mode = Mode.Command;
                Emit(step.Replies);
                break;
            case SessionAction.ReadData:
                _intake.Start();
                _held = step.Replies;
                StartData();
                break;
            case SessionAction.ReadChunk:
                if (!_intake.Started)
                    _intake.Start();
                EnterBody(Mode.Chunk, step.ChunkSize);
                Emit(step.Replies);
                break;
            case SessionAction.DiscardChunk:
                EnterBody(Mode.DiscardChunk, step.ChunkSize);
                Emit(step.Replies);
                break;
            case SessionAction.Deliver:
                Emit(step.Replies);
                Hand();
                break;
            case SessionAction.Close:
                Emit(step.Replies);
                break;
        }
    }

    /// <summary>DATA's replies (ending in 354) are held until the declared size is reserved, or the wait for it is given up.</summary>
    private bool StartData()
    {
        if (!_intake.ReserveDeclared(_session.Parameters.Size))
            return false;
        var replies = _held!;
        _held = null;
        EnterBody(Mode.Data, 0);
        Emit(replies);
        return true;
    }

    private void EnterBody(Mode mode, long chunkSize)
    {
        _mode = mode;
        _data = default;
        _chunk = new ChunkReader(chunkSize);
        _bodyStart = _offset;
    }

    private void Hand()
    {
        var (body, sha256) = _intake.Build();
        var envelope = new MessageEnvelope(_session.Sender ?? "", [.. _session.Recipients], _session.Xforward, _session.ClientName, _peer, _time.GetUtcNow());
        _message = new ReceivedMessage(body, sha256, envelope);
    }

    private void Emit(IReadOnlyList<Reply> replies)
    {
        foreach (var reply in replies)
        {
            var text = reply.ToString();
            var written = Encoding.UTF8.GetBytes(text, _output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
            _output.Advance(written);
        }
    }
}
