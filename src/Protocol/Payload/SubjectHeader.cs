using System.Text;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// The Subject header as it stands in a message's header block, unfolded and undecoded (encoded words stay as they
/// are): cheap enough to read for every message before it goes to the sink, for logs and the status page. Only the first
/// <see cref="MaxHeaderBytes"/> are looked at, whatever the header block holds.
/// </summary>
public static class SubjectHeader
{
    public const int MaxHeaderBytes = 16 * 1024;
    private const int MaxSubjectChars = 200;

    public static string? Read(MessageBody body)
    {
        var length = (int)Math.Min(body.Length, MaxHeaderBytes);
        var blocks = body.Blocks;
        // Per message, before the sink: read the first block in place when it holds the part looked at (it nearly always
        // does: blocks are up to 64 KiB), and copy only a header block spread over several.
        if (blocks.Count == 0)
            return null;
        if (blocks[0].Length >= length)
            return Find(blocks[0].Span[..length]);
        var head = new byte[length];
        var filled = 0;
        foreach (var block in body.Blocks)
        {
            var take = Math.Min(block.Length, head.Length - filled);
            block.Span[..take].CopyTo(head.AsSpan(filled));
            filled += take;
            if (filled == head.Length)
                break;
        }
        return Find(head);
    }

    public static string? Find(ReadOnlySpan<byte> head)
    {
        var lineStart = 0;
        while (lineStart < head.Length)
        {
            var end = head[lineStart..].IndexOf((byte)'\n');
            var line = end < 0 ? head[lineStart..] : head.Slice(lineStart, end);
            if (line.TrimEnd((byte)'\r').IsEmpty)
                return null; // the end of the header block
            if (line.Length > 8 && Ascii.EqualsIgnoreCase(line[..8], "Subject:"u8))
                return Unfold(head, lineStart + 8);
            if (end < 0)
                return null;
            lineStart += end + 1;
        }
        return null;
    }

    private static string Unfold(ReadOnlySpan<byte> head, int start)
    {
        var text = new StringBuilder();
        var i = start;
        while (i < head.Length && text.Length < MaxSubjectChars)
        {
            var end = head[i..].IndexOf((byte)'\n');
            var piece = (end < 0 ? head[i..] : head.Slice(i, end)).TrimEnd((byte)'\r');
            text.Append(Encoding.UTF8.GetString(piece).Trim()).Append(' ');
            if (end < 0)
                break;
            i += end + 1;
            if (i >= head.Length || head[i] is not ((byte)' ' or (byte)'\t'))
                break; // not a continuation line
        }
        var subject = text.ToString().Trim();
        return subject.Length > MaxSubjectChars ? subject[..MaxSubjectChars] : subject;
    }
}
