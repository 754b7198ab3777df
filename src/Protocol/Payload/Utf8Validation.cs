using System.Buffers;
using System.Text.Unicode;

namespace SmtpCollector.Protocol.Payload;

/// <summary>UTF-8 validity of a body held in several blocks, where a character may straddle two of them.</summary>
public static class Utf8Validation
{
    public static bool IsValid(ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
            return Utf8.IsValid(bytes.FirstSpan);

        Span<byte> carry = stackalloc byte[4];
        var carried = 0;
        foreach (var memory in bytes)
        {
            var span = memory.Span;
            if (carried > 0)
            {
                var length = SequenceLength(carry[0]);
                var take = Math.Min(length - carried, span.Length);
                span[..take].CopyTo(carry[carried..]);
                carried += take;
                span = span[take..];
                if (carried < length)
                    continue;
                if (!Utf8.IsValid(carry[..carried]))
                    return false;
                carried = 0;
            }
            var tail = IncompleteTail(span);
            if (!Utf8.IsValid(span[..^tail]))
                return false;
            span[^tail..].CopyTo(carry);
            carried = tail;
        }
        return carried == 0;
    }

    /// <summary>Length of the sequence a lead byte starts; 1 for ASCII and for bytes that cannot lead (the validator rejects those).</summary>
    private static int SequenceLength(byte lead) => lead switch
    {
        >= 0xC0 and <= 0xDF => 2,
        >= 0xE0 and <= 0xEF => 3,
        >= 0xF0 and <= 0xF7 => 4,
        _ => 1,
    };

    private static int IncompleteTail(ReadOnlySpan<byte> span)
    {
        for (var back = 1; back <= Math.Min(3, span.Length); back++)
        {
            var b = span[^back];
            if ((b & 0xC0) != 0x80)
                return SequenceLength(b) > back ? back : 0;
        }
        return 0;
    }
}
