using System.Buffers;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// Writes valid UTF-8 as a JSON string (RFC 8259 §7): only '"', '\' and control bytes are escaped; everything else,
/// non-ASCII included, is copied as it is, in runs found with a vectorised search. A message is mostly such runs
/// between CRLFs, which Utf8JsonWriter's general escaper handles a byte at a time.
/// </summary>
public static class JsonStringEscaper
{
    private static readonly SearchValues<byte> NeedEscaping = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    /// <summary>Writes <c>"…"</c>. The caller guarantees the blocks together are valid UTF-8 (escapes are ASCII, so blocks may split characters).</summary>
    public static void WriteQuoted(IBufferWriter<byte> output, IReadOnlyList<ReadOnlyMemory<byte>> blocks)
    {
        output.Write("\""u8);
        foreach (var block in blocks)
            WriteEscaped(output, block.Span);
        output.Write("\""u8);
    }

    private static void WriteEscaped(IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        while (text.Length > 0)
        {
            var special = text.IndexOfAny(NeedEscaping);
            var run = special < 0 ? text : text[..special];
            if (run.Length > 0)
                output.Write(run);
            if (special < 0)
                return;
            WriteEscape(output, text[special]);
            text = text[(special + 1)..];
        }
    }

    private static void WriteEscape(IBufferWriter<byte> output, byte b)
    {
        var escape = b switch
        {
            (byte)'"' => "\\\""u8,
            (byte)'\\' => "\\\\"u8,
            (byte)'\n' => "\\n"u8,
            (byte)'\r' => "\\r"u8,
            (byte)'\t' => "\\t"u8,
            _ => [],
        };
        if (escape.Length > 0)
        {
            output.Write(escape);
            return;
        }
        Span<byte> unicode = [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', Hex[b >> 4], Hex[b & 0xF]];
        output.Write(unicode);
    }
}
