namespace SmtpCollector.Protocol.Lmtp;

/// <summary>The protocol's limits. Each is enforced while reading, not after.</summary>
public sealed record LmtpLimits
{
    /// <summary>Longest command line accepted, CRLF included (RFC 5321 4.5.3.1.4 says 512).</summary>
    public int MaxCommandLineBytes { get; init; } = 512;

    /// <summary>Largest message accepted (after dot-unstuffing), announced as SIZE. Larger ones are read to the end, discarded and refused 552 5.3.4.</summary>
    public long MaxMessageBytes { get; init; } = 26_214_400;

    /// <summary>Recipients accepted per transaction; beyond it RCPT gets 452 4.5.3 (Postfix sends at most 50 by default).</summary>
    public int MaxRecipients { get; init; } = 1000;
}
