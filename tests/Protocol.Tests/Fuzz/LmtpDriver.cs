using System.Text;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// The glue of src/Actors/Lmtp (LmtpConnectionStage frames the bytes, LmtpSessionActor drives the session and builds the
/// body) without Akka: the same framer, unstuffer, chunk reader, session and body builder, called in the same order, with
/// the session's answers synchronous and the sink answering at once. Keep it in step with those two files.
/// <para>
/// It checks the memory bounds as it goes (input held, body blocks against the budget the session actor reserves) and
/// throws <see cref="InvalidOperationException"/> when one is broken; exceptions from the protocol code pass through.
/// </para>
/// </summary>
public sealed class LmtpDriver
{
    private enum Mode
    {
        Command,
        Data,
        Chunk,
        DiscardChunk,
    }

    private readonly LmtpSession _session;
    private readonly LmtpLimits _limits;
    private readonly Func<int, string, Reply> _sinkVerdict;
    private readonly List<byte> _output = [];
    private readonly List<LmtpEvent> _events = [];
    private byte[] _buffer = [];
    private int _start;
    private long _inputOffset;
    private Mode _mode = Mode.Command;
    private CommandLineFramer _lines;
    private DotUnstuffer _data;
    private ChunkReader _chunk;
    // Small blocks, so that messages span many; poisoned on return, so that a body read after its blocks went back shows.
    private readonly BlockPool _pool = new(blockBytes: 4096, poisonReturned: true);
    private MessageBodyBuilder? _body;
    private long _reserved;
    private long _bodyStart;
    private int _handedOn;
    private bool _closing;

    /// <param name="sinkVerdict">The sink's answer for the n-th message handed on (0-based) with its SHA-256; stores everything when null.</param>
    public LmtpDriver(LmtpSessionSettings settings, Func<int, string, Reply>? sinkVerdict = null)
    {
        _limits = settings.Limits;
        _session = new LmtpSession(settings);
        _sinkVerdict = sinkVerdict ?? StoreAll;
        _lines = new CommandLineFramer(_limits.MaxCommandLineBytes);
        Record(new LmtpEvent(LmtpEventKind.Greeting, [_session.Greeting], []));
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
        // LmtpConnectionStage.OnPush: after the last reply, whatever the client sends is dropped.
        if (_closing)
            return;
        _buffer = [.. Input, .. piece];
        _start = 0;
        Process();
    }

    /// <summary>The client closed its side: what it left unfinished is dropped (LmtpConnectionStage.Process).</summary>
    public LmtpRun Finish()
    {
        _closing = true;
        return new LmtpRun([.. _output], _events, _session.State == LmtpState.Closed);
    }

    private ReadOnlySpan<byte> Input => _buffer.AsSpan(_start);

    private void Process()
    {
        while (!_closing && Step())
        {
        }
        if (_closing)
            return;
        var held = Input.Length;
        if (_mode == Mode.Command ? held >= _limits.MaxCommandLineBytes : held != 0)
            throw new InvalidOperationException($"{held} input bytes held between reads in {_mode} mode (line limit {_limits.MaxCommandLineBytes}).");
    }

    private bool Step() => _mode switch
    {
        Mode.Command => StepCommand(),
        Mode.Data => StepData(),
        _ => StepChunk(),
    };

    private bool StepCommand()
    {
        if (Input.IsEmpty)
            return false;
        var scan = _lines.Scan(Input);
        var line = Input[..scan.LineLength].ToArray();
        Consume(scan.Consumed);
        switch (scan.Kind)
        {
            case LineScanKind.Line:
                Apply(_session.HandleLine(line, scan.BareLineFeed), new LmtpEvent(LmtpEventKind.Line, [], line, scan.BareLineFeed));
                return true;
            case LineScanKind.TooLong:
                Apply(_session.HandleLineTooLong(), new LmtpEvent(LmtpEventKind.LineTooLong, [], []));
                return true;
            default:
                return false;
        }
    }

    private bool StepData()
    {
        if (Input.IsEmpty)
            return false;
        var slices = new List<byte[]>(2);
        var ended = false;
        while (!Input.IsEmpty && !ended)
        {
            var scan = _data.Scan(Input);
            if (scan.HeldCarriageReturn)
                slices.Add("\r"u8.ToArray());
            if (scan.Length > 0)
                slices.Add(Input.Slice(scan.Start, scan.Length).ToArray());
            Consume(scan.Consumed);
            ended = scan.Ended;
        }
        TakeBody(slices, ended, LmtpEventKind.DataEnded);
        return true;
    }

    private bool StepChunk()
    {
        if (Input.IsEmpty && !_chunk.Done)
            return false;
        var take = _chunk.Take(Input.Length);
        var slice = Input[..take].ToArray();
        Consume(take);
        if (_mode == Mode.DiscardChunk)
        {
            // LmtpSessionActor.OnBody: a discarded chunk's end is answered at once, whatever happened to its bytes.
            if (_chunk.Done)
                Apply(_session.ChunkEnded(BodyStatus.Complete), BodyEvent(LmtpEventKind.ChunkEnded));
            return true;
        }
        TakeBody(take > 0 ? [slice] : [], _chunk.Done, LmtpEventKind.ChunkEnded);
        return true;
    }

    /// <summary>LmtpSessionActor.TryKeep and Taken, with a budget that always has room (the actor may reserve more: a declared SIZE whole).</summary>
    private void TakeBody(List<byte[]> slices, bool ended, LmtpEventKind kind)
    {
        var body = _body ?? throw new InvalidOperationException("Body bytes with no body started.");
        var count = slices.Sum(s => s.Length);
        _reserved += body.CapacityNeededFor(count);
        if (body.Length + count > body.MaxBytes)
            body.Skip(count);
        else
            foreach (var slice in slices)
                body.Append(slice);
        CheckBody(body);
        if (!ended)
            return;
        var status = body.TooBig ? BodyStatus.TooBig : BodyStatus.Complete;
        var step = kind == LmtpEventKind.DataEnded ? _session.DataEnded(status) : _session.ChunkEnded(status);
        Apply(step, BodyEvent(kind));
    }

    private void CheckBody(MessageBodyBuilder body)
    {
        var kept = body.TooBig ? -1 : body.Length;
        if (body.Capacity > _limits.MaxMessageBytes + _pool.BlockBytes)
            throw new InvalidOperationException($"The body holds {body.Capacity} bytes of blocks for a limit of {_limits.MaxMessageBytes}.");
        if (kept >= 0 && body.Capacity >= kept + _pool.BlockBytes)
            throw new InvalidOperationException($"The body holds {body.Capacity} bytes of blocks for {kept} bytes.");
        if (body.Capacity > _reserved)
            throw new InvalidOperationException($"The body holds {body.Capacity} bytes of blocks but reserved {_reserved} from the in-flight budget.");
    }

    private LmtpEvent BodyEvent(LmtpEventKind kind) => new(kind, [], [], BodyStart: _bodyStart, BodyEnd: _inputOffset);

    /// <summary>LmtpSessionActor.Apply (replies, then what the step says) and LmtpConnectionStage.SwitchTo.</summary>
    private void Apply(SessionStep step, LmtpEvent inputEvent)
    {
        var replies = new List<Reply>(step.Replies);
        HandedOn? message = null;
        if (_body is not null && _session.State is LmtpState.Greeted or LmtpState.Ready)
            ReleaseBody();

        switch (step.Action)
        {
            case SessionAction.ReadCommand:
                SwitchTo(Mode.Command, 0);
                break;
            case SessionAction.ReadData:
                StartBody();
                SwitchTo(Mode.Data, 0);
                break;
            case SessionAction.ReadChunk:
                if (_body is null)
                    StartBody();
                SwitchTo(Mode.Chunk, step.ChunkSize);
                break;
            case SessionAction.DiscardChunk:
                SwitchTo(Mode.DiscardChunk, step.ChunkSize);
                break;
            case SessionAction.Deliver:
                message = Deliver(replies);
                break;
            case SessionAction.Close:
                _closing = true;
                break;
        }
        Record(inputEvent with { Replies = replies, Message = message });
    }

    private HandedOn Deliver(List<Reply> replies)
    {
        var (body, sha256) = _body!.Build();
        _body = null;
        var message = new HandedOn(body.ToArray(), sha256, [.. _session.Recipients]);
        // The sink's part once it has stored the message: the blocks go back to the pool.
        body.Release();
        var verdict = _sinkVerdict(_handedOn++, sha256);
        ReleaseBody();
        var step = _session.Delivered(verdict);
        replies.AddRange(step.Replies);
        if (step.Action != SessionAction.ReadCommand)
            throw new InvalidOperationException($"After delivery the session said {step.Action}.");
        SwitchTo(Mode.Command, 0);
        return message;
    }

    private void SwitchTo(Mode mode, long chunkSize)
    {
        if (mode != _mode)
            _data = default;
        if (mode != _mode || _chunk.Done)
            _chunk = new ChunkReader(chunkSize);
        _mode = mode;
        if (mode != Mode.Command)
            _bodyStart = _inputOffset;
    }

    private void StartBody()
    {
        _body = new MessageBodyBuilder(_limits.MaxMessageBytes, _pool);
        _reserved = 0;
    }

    private void ReleaseBody()
    {
        _body?.Abandon();
        _body = null;
        _reserved = 0;
    }

    private void Consume(int count)
    {
        _start += count;
        _inputOffset += count;
    }

    private void Record(LmtpEvent inputEvent)
    {
        _events.Add(inputEvent);
        foreach (var reply in inputEvent.Replies)
            _output.AddRange(Encoding.UTF8.GetBytes(reply.ToString()));
    }
}
