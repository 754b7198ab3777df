using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// Drives the connection core that the collector runs (<see cref="LmtpConnection"/>) as its session actor does: each read
/// appended to what the core left unused, the replies taken after every call, the sink answering at once. It records
/// every input the core answered (through <see cref="IConnectionTrace"/>) and checks the memory bounds as it goes (input
/// held between reads, body blocks against the budget reserved), throwing <see cref="InvalidOperationException"/> when
/// one is broken; exceptions from the protocol code pass through.
/// </summary>
public sealed class LmtpDriver : IConnectionTrace
{
    private readonly LmtpConnection _connection;
    private readonly LmtpLimits _limits;
    // Small blocks, so that messages span many; poisoned on return, so that a body read after its blocks went back shows.
    // A budget that always has room: waiting for memory is the actor's business, not the protocol's.
    private readonly InFlightBudget _budget = new(1L << 40, poisonReturnedBlocks: true, blockBytes: 4096);
    private readonly Func<int, string, Reply> _sinkVerdict;
    private readonly List<byte> _output = [];
    private readonly List<LmtpEvent> _events = [];
    private byte[] _held = [];
    private HandedOn? _handed;
    private int _handedOn;
    private bool _closing;

    /// <param name="sinkVerdict">The sink's answer for the n-th message handed on (0-based) with its SHA-256; stores everything when null.</param>
    public LmtpDriver(LmtpSessionSettings settings, Func<int, string, Reply>? sinkVerdict = null)
    {
        _limits = settings.Limits;
        _sinkVerdict = sinkVerdict ?? StoreAll;
        _connection = new LmtpConnection(settings, _budget, "192.0.2.1:1", trace: this);
        _events.Add(new LmtpEvent(LmtpEventKind.Greeting, [_connection.Session.Greeting], []));
        TakeOutput();
    }

    private static Reply StoreAll(int index, string sha256) => Replies.Delivered(sha256);

    public static LmtpRun Run(LmtpSessionSettings settings, IEnumerable<byte[]> pieces, Func<int, string, Reply>? sinkVerdict = null)
    {
        var driver = new LmtpDriver(settings, sinkVerdict);
        foreach (var piece in pieces)
            driver.Feed(piece);
        return driver.Finish();
    }

    /// <summary>One read from the connection.</summary>
    public void Feed(ReadOnlySpan<byte> piece)
    {
        // After the last reply, whatever the client sends is dropped.
        if (_closing)
            return;
        _held = [.. _held, .. piece];
        while (true)
        {
            var step = _connection.Process(_held);
            _held = _held[step.Consumed..];
            TakeOutput();
            CheckBody();
            switch (step.Wait)
            {
                case ConnectionWait.Input:
                    CheckHeld();
                    return;
                case ConnectionWait.RepliesRead:
                    continue;
                case ConnectionWait.Sink:
                    Deliver();
                    continue;
                case ConnectionWait.Close:
                    _closing = true;
                    return;
                default:
                    throw new InvalidOperationException($"The core waits for {step.Wait} with a budget that always has room.");
            }
        }
    }

    /// <summary>The client closed its side: what it left unfinished is dropped.</summary>
    public LmtpRun Finish()
    {
        _closing = true;
        _connection.Abandon();
        return new LmtpRun([.. _output], _events, _connection.Closed);
    }

    void IConnectionTrace.Answered(ConnectionInput input, ReadOnlySpan<byte> line, bool bareLineFeed, long bodyStart, long bodyEnd, IReadOnlyList<Reply> replies)
    {
        if (input == ConnectionInput.Delivered)
        {
            // The verdict's replies belong to the input that ended the message, as the client sees them.
            var last = _events[^1];
            _events[^1] = last with { Replies = [.. last.Replies, .. replies], Message = _handed };
            return;
        }
        var kind = input switch
        {
            ConnectionInput.Line => LmtpEventKind.Line,
            ConnectionInput.LineTooLong => LmtpEventKind.LineTooLong,
            ConnectionInput.DataEnded => LmtpEventKind.DataEnded,
            _ => LmtpEventKind.ChunkEnded,
        };
        _events.Add(new LmtpEvent(kind, replies, line.ToArray(), bareLineFeed, bodyStart, bodyEnd));
    }

    private void Deliver()
    {
        var message = _connection.Message;
        _handed = new HandedOn(message.Body.ToArray(), message.Sha256, message.Envelope.Recipients);
        // The sink's part once it has stored the message: the blocks go back to the pool.
        message.Body.Release();
        _connection.Delivered(_sinkVerdict(_handedOn++, message.Sha256));
        _handed = null;
    }

    private void TakeOutput()
    {
        _output.AddRange(_connection.Output);
        _connection.ClearOutput();
    }

    private void CheckHeld()
    {
        var held = _held.Length;
        if (_connection.ReadingMessage ? held != 0 : held >= _limits.MaxCommandLineBytes)
            throw new InvalidOperationException($"{held} input bytes held between reads (reading a message: {_connection.ReadingMessage}, line limit {_limits.MaxCommandLineBytes}).");
    }

    private void CheckBody()
    {
        var body = _connection.Intake;
        if (!body.Started)
            return;
        var blockBytes = _budget.Blocks.BlockBytes;
        if (body.Capacity > _limits.MaxMessageBytes + blockBytes)
            throw new InvalidOperationException($"The body holds {body.Capacity} bytes of blocks for a limit of {_limits.MaxMessageBytes}.");
        if (body.Status != BodyStatus.TooBig && body.Capacity >= body.Length + blockBytes)
            throw new InvalidOperationException($"The body holds {body.Capacity} bytes of blocks for {body.Length} bytes.");
        if (body.Capacity > body.Reserved)
            throw new InvalidOperationException($"The body holds {body.Capacity} bytes of blocks but reserved {body.Reserved} from the in-flight budget.");
    }
}
