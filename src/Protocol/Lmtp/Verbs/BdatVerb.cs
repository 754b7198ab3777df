namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    /// <summary>
    /// BDAT (RFC 3030). Once its size parses, the chunk's bytes follow whatever the verdict, so a refused BDAT
    /// still has its chunk read (and dropped) before the refusal is sent; only then is the stream back at a command.
    /// </summary>
    private SessionStep Bdat(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2
            || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit) || !long.TryParse(parts[0], out var size)
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
            return SessionStep.Refuse(Rejection.SyntaxError);

        _stateBeforeChunk = State;
        _chunkSize = size;
        _chunkIsLast = parts.Length == 2;
        State = LmtpState.ReadingMessage;

        var refusal = Transitions.Check(_stateBeforeChunk, LmtpVerb.Bdat)
            ?? (_recipients.Count == 0 ? Rejection.NoValidRecipients : null);
        if (refusal is { } rejection)
        {
            _chunkRefusal = Replies.For(rejection);
            return new SessionStep([], SessionAction.DiscardChunk, size);
        }
        return new SessionStep([], SessionAction.ReadChunk, size);
    }
}
