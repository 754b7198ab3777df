using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker;

/// <summary>
/// The reference broker's frame limits (contract.md §2), per opcode. The codec's decoder knows a single limit, so the broker
/// holds each header to these before the decoder sees the frame.
/// </summary>
public static class BrokerLimits
{
    /// <summary>INFO and AUTH: 5 + 256 + 20 in the reference, which is exactly an AUTH with a 255-byte ident.</summary>
    public const int MaxAuthFrameBytes = 281;

    /// <summary>PUBLISH and every other opcode: the header plus 1 MiB.</summary>
    public const int MaxFrameBytes = FrameHeader.Size + 1_048_576;

    public static int MaxFrameBytesFor(Opcode opcode) =>
        opcode is Opcode.Info or Opcode.Auth ? MaxAuthFrameBytes : MaxFrameBytes;
}
