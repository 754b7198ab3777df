namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// Why a sink did not keep a message: a closed set, so that every source can say what it means for its own client
/// (the LMTP source maps each to a reply in <c>Lmtp.Replies.For</c>; the IMAP source leaves the message in its folder).
/// </summary>
public enum NotStoredReason
{
    /// <summary>Where the message goes cannot take it now (the broker is unreachable, too slow, or lost the connection before confirming).</summary>
    Unavailable,
    /// <summary>The sink did not answer within the deadline it was given.</summary>
    Timeout,
    /// <summary>The message is larger than the sink accepts, and its policy is to refuse it: trying again will not help.</summary>
    TooLarge,
    /// <summary>Storing it failed (an I/O error, a full disk): worth trying again later.</summary>
    Failed,
}
