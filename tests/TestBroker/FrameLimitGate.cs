using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker;

/// <summary>
/// Follows frame boundaries in the incoming bytes and holds each header to its opcode's limit (<see cref="BrokerLimits"/>),
/// which the decoder cannot: it has one limit for all opcodes. Everything else (short lengths, unknown opcodes, bodies) is the
/// decoder's business. One per connection, fed the same bytes in the same order as the decoder.
/// </summary>
internal sealed class FrameLimitGate(int maxFrameBytes = BrokerLimits.MaxFrameBytes)
{
    private readonly byte[] _header = new byte[FrameHeader.Size];
    private int _headerFilled;
    private long _bodyLeft;

    /// <summary>
    /// How many bytes at the front of <paramref name="chunk"/> may go to the decoder: all of them, or (with
    /// <paramref name="overLimit"/>) those before the frame that is over its limit, so the frames ahead of it are still handled.
    /// </summary>
    public int Admit(ReadOnlySpan<byte> chunk, out bool overLimit)
    {
        overLimit = false;
        var at = 0;
        while (at < chunk.Length)
        {
            if (_bodyLeft > 0)
            {
                var skip = (int)Math.Min(_bodyLeft, chunk.Length - at);
                at += skip;
                _bodyLeft -= skip;
                continue;
            }
            var frameStart = at - _headerFilled;
            var take = Math.Min(FrameHeader.Size - _headerFilled, chunk.Length - at);
            chunk.Slice(at, take).CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            at += take;
            if (_headerFilled < FrameHeader.Size)
                break;
            _headerFilled = 0;
            var header = FrameHeader.Read(_header);
            if (header.Length > (header.Opcode is Opcode.Info or Opcode.Auth ? BrokerLimits.MaxAuthFrameBytes : maxFrameBytes))
            {
                overLimit = true;
                return Math.Max(frameStart, 0);
            }
            _bodyLeft = Math.Max(0L, (long)header.Length - FrameHeader.Size);
        }
        return chunk.Length;
    }
}
