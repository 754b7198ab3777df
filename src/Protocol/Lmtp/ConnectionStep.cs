namespace SmtpCollector.Protocol.Lmtp;

/// <summary>Why <see cref="LmtpConnection.Process"/> stopped: what its caller waits for before calling it again.</summary>
public enum ConnectionWait
{
    /// <summary>Everything it could use of the input is used: more bytes from the client.</summary>
    Input,
    /// <summary>A group of commands was answered: write the replies, and go on once the client has read enough of them.</summary>
    RepliesRead,
    /// <summary>The in-flight budget has no room for the message's bytes: try again later, or <see cref="LmtpConnection.GiveUpOnMemory"/>.</summary>
    Memory,
    /// <summary>A whole message: hand <see cref="LmtpConnection.Message"/> to the sink, then report its verdict with <see cref="LmtpConnection.Delivered"/>.</summary>
    Sink,
    /// <summary>The session is over: write the replies and close.</summary>
    Close,
}

/// <param name="Consumed">Input bytes used by this call: the caller drops them and passes the rest again next time.</param>
public readonly record struct ConnectionStep(int Consumed, ConnectionWait Wait);

/// <summary>What the connection answered, for tests and fuzzers that check every reply against the input it answers.</summary>
public enum ConnectionInput
{
    Line,
    LineTooLong,
    DataEnded,
    ChunkEnded,
    /// <summary>The sink's verdict on the message ended by the input before.</summary>
    Delivered,
}

/// <summary>
/// Sees every input the connection answered, with the replies. <paramref name="bodyStart"/> and <paramref name="bodyEnd"/>
/// are offsets in the client's byte stream (a DATA body from after the DATA line to after the lone dot; a BDAT chunk).
/// </summary>
public interface IConnectionTrace
{
    void Answered(ConnectionInput input, ReadOnlySpan<byte> line, bool bareLineFeed, long bodyStart, long bodyEnd, IReadOnlyList<Reply> replies);
}
