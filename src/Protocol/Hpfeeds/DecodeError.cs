namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>
/// Every way incoming bytes can fail to be hpfeeds. Each one ends the stream: frame boundaries can no longer be trusted,
/// so the decoder stops and the connection is to be dropped (the reference broker does the same, without an ERROR).
/// </summary>
public enum DecodeError
{
    /// <summary>The length field is below 5, the size of the header it counts.</summary>
    LengthBelowHeader,
    /// <summary>The length field is above <see cref="HpfeedsLimits.MaxFrameBytes"/>; seen from the length field alone.</summary>
    FrameTooLarge,
    /// <summary>The opcode byte is none of <see cref="Opcode"/>; seen from the header alone.</summary>
    UnknownOpcode,
    /// <summary>
    /// The body does not parse for its opcode: a name's length byte runs past the end (or is missing), a name is not valid UTF-8,
    /// an INFO nonce is not 4 bytes or an AUTH hash not 20.
    /// </summary>
    Malformed,
}
