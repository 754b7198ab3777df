namespace SmtpCollector.Protocol.Lmtp;

/// <summary>What the transport does next, once it has sent <see cref="SessionStep.Replies"/>.</summary>
public enum SessionAction
{
    /// <summary>Read the next command line.</summary>
    ReadCommand,
    /// <summary>Read a DATA body up to the lone dot, dot-unstuffing it.</summary>
    ReadData,
    /// <summary>Read exactly <see cref="SessionStep.ChunkSize"/> bytes of a BDAT chunk and keep them.</summary>
    ReadChunk,
    /// <summary>Read exactly <see cref="SessionStep.ChunkSize"/> bytes of a BDAT chunk and throw them away.</summary>
    DiscardChunk,
    /// <summary>Hand the message to the sink and report its verdict with <see cref="LmtpSession.Delivered"/>.</summary>
    Deliver,
    /// <summary>Close the connection.</summary>
    Close,
}

public readonly record struct SessionStep(IReadOnlyList<Reply> Replies, SessionAction Action, long ChunkSize = 0)
{
    public static SessionStep Reply(Reply reply) => new([reply], SessionAction.ReadCommand);
    public static SessionStep Refuse(Rejection rejection) => Reply(Lmtp.Replies.For(rejection));
}

/// <summary>How reading a message body ended.</summary>
public enum BodyStatus
{
    Complete,
    /// <summary>Larger than <see cref="LmtpLimits.MaxMessageBytes"/>: read to the end and discarded.</summary>
    TooBig,
    /// <summary>The budget for message bytes in flight stayed exhausted: read to the end and discarded.</summary>
    NoMemory,
}
