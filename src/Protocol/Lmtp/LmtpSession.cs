using System.Collections.Immutable;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// The LMTP protocol as a value machine: lines and body events in, replies and the transport's next action out.
/// No I/O, no clock, no threads: the transport (the session actor) drives it and does what <see cref="SessionStep.Action"/> says.
/// One verb per file in <c>Verbs/</c>; which verb is allowed in which state is <see cref="Transitions"/>.
/// </summary>
public sealed partial class LmtpSession
{
    private readonly LmtpSessionSettings _settings;
    private readonly List<string> _recipients = [];
    private Reply? _chunkRefusal;
    private LmtpState _stateBeforeChunk;
    private long _chunkSize;
    private bool _chunkIsLast;

    public LmtpSession(LmtpSessionSettings settings) => _settings = settings;

    public LmtpState State { get; private set; } = LmtpState.Greeted;
    public string? ClientName { get; private set; }
    public string? Sender { get; private set; }
    public MailParameters Parameters { get; private set; } = MailParameters.None;
    public IReadOnlyList<string> Recipients => _recipients;
    public ImmutableDictionary<string, string> Xforward { get; private set; } = ImmutableDictionary<string, string>.Empty;

    public Reply Greeting => Replies.Greeting(_settings.HostName);

    /// <summary>
    /// Set by the transport while no message could be kept (nothing can publish): a well-formed MAIL gets this reply and
    /// opens no transaction. Null: MAIL is accepted.
    /// </summary>
    public Reply? MailRefusal { get; set; }

    /// <summary>One command line, without its line ending. <paramref name="bareLineFeed"/>: it ended in LF alone.</summary>
    public SessionStep HandleLine(ReadOnlySpan<byte> line, bool bareLineFeed = false)
    {
        EnsureReadingCommands();
        if (bareLineFeed)
            return SessionStep.Refuse(Rejection.BareLineFeed);

        var parsed = CommandParser.Parse(line);
        if (parsed.Rejection is { } rejection)
            return SessionStep.Refuse(rejection);

        var command = parsed.Command;
        if (command.Verb == LmtpVerb.Bdat)
            return Bdat(command.Argument);
        if (Transitions.Check(State, command.Verb) is { } outOfOrder)
            return SessionStep.Refuse(outOfOrder);

        return command.Verb switch
        {
            LmtpVerb.Lhlo => Lhlo(command.Argument),
            LmtpVerb.Mail => Mail(command.Argument),
            LmtpVerb.Rcpt => Rcpt(command.Argument),
            LmtpVerb.Data => Data(command.Argument),
            LmtpVerb.Rset => Rset(command.Argument),
            LmtpVerb.Noop => SessionStep.Reply(Replies.Ok),
            LmtpVerb.Quit => Quit(),
            LmtpVerb.Vrfy => Vrfy(command.Argument),
            LmtpVerb.Xforward => XforwardCommand(command.Argument),
            _ => SessionStep.Refuse(Rejection.NotLmtp),
        };
    }

    /// <summary>A command line longer than <see cref="LmtpLimits.MaxCommandLineBytes"/> was read and thrown away.</summary>
    public SessionStep HandleLineTooLong()
    {
        EnsureReadingCommands();
        return SessionStep.Refuse(Rejection.LineTooLong);
    }

    /// <summary>The DATA body ended with its lone dot.</summary>
    public SessionStep DataEnded(BodyStatus status)
    {
        Expect(LmtpState.ReadingMessage);
        return EndMessage(status);
    }

    /// <summary>A BDAT chunk's bytes were read (and kept or discarded, as the step said).</summary>
    public SessionStep ChunkEnded(BodyStatus status)
    {
        Expect(LmtpState.ReadingMessage);
        if (_chunkRefusal is { } refusal)
        {
            // A refused chunk is read and dropped so that the byte stream stays in step; the session is as it was.
            _chunkRefusal = null;
            State = _stateBeforeChunk;
            return SessionStep.Reply(refusal);
        }
        if (_chunkIsLast)
            return EndMessage(status);
        State = LmtpState.Chunking;
        return SessionStep.Reply(Replies.ChunkReceived(_chunkSize));
    }

    /// <summary>The sink's verdict on the delivered message: one reply per accepted recipient, in RCPT order (RFC 2033 4.2).</summary>
    public SessionStep Delivered(Reply verdict)
    {
        Expect(LmtpState.Delivering);
        var replies = PerRecipient(verdict);
        ResetTransaction();
        return new SessionStep(replies, SessionAction.ReadCommand);
    }

    /// <summary>The transport gives up on the session (shutdown, idle timeout): the reply to send before closing.</summary>
    public SessionStep Close(Reply reply)
    {
        State = LmtpState.Closed;
        return new SessionStep([reply], SessionAction.Close);
    }

    private SessionStep EndMessage(BodyStatus status)
    {
        if (status == BodyStatus.Complete)
        {
            State = LmtpState.Delivering;
            return new SessionStep([], SessionAction.Deliver);
        }
        var reply = status == BodyStatus.TooBig ? Replies.MessageTooBig : Replies.NoMemory;
        var replies = PerRecipient(reply);
        ResetTransaction();
        return new SessionStep(replies, SessionAction.ReadCommand);
    }

    private Reply[] PerRecipient(Reply verdict)
    {
        var replies = new Reply[_recipients.Count];
        for (var i = 0; i < replies.Length; i++)
            replies[i] = verdict.For(_recipients[i]);
        return replies;
    }

    private LmtpState StateAfterTransaction() => ClientName is null ? LmtpState.Greeted : LmtpState.Ready;

    private void ResetTransaction()
    {
        Sender = null;
        Parameters = MailParameters.None;
        _recipients.Clear();
        _chunkRefusal = null;
        // Postfix's XFORWARD_README: the attributes describe one transaction and are reset when it ends.
        Xforward = ImmutableDictionary<string, string>.Empty;
        State = StateAfterTransaction();
    }

    private void EnsureReadingCommands()
    {
        if (State is LmtpState.ReadingMessage or LmtpState.Delivering or LmtpState.Closed)
            throw new InvalidOperationException($"A command line arrived in state {State}: the transport must not read commands now.");
    }

    private void Expect(LmtpState state)
    {
        if (State != state)
            throw new InvalidOperationException($"Expected state {state}, was {State}.");
    }
}
