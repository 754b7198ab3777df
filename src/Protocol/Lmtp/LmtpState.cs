namespace SmtpCollector.Protocol.Lmtp;

public enum LmtpState
{
    /// <summary>Greeting sent, no LHLO yet.</summary>
    Greeted,
    /// <summary>LHLO done, no transaction.</summary>
    Ready,
    /// <summary>MAIL accepted; RCPT, DATA or BDAT may follow.</summary>
    Transaction,
    /// <summary>At least one BDAT chunk received; only BDAT (or RSET) continues.</summary>
    Chunking,
    /// <summary>Reading message bytes (DATA, or a BDAT chunk).</summary>
    ReadingMessage,
    /// <summary>The whole message is in; waiting for the sink's verdict.</summary>
    Delivering,
    Closed,
}
