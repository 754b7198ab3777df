namespace SmtpCollector.Protocol.Summary;

/// <summary>
/// Decodes uuencoded content as Python's binascii.a2b_uu does: a line cut short (mail systems strip trailing spaces,
/// which uuencode uses as zero digits) is padded with zero digits to the length its first character gives. MimeKit's
/// decoder loses step on such a line, and the rest of the file with it: a real spam attachment in the corpus came out
/// as a quarter of its ZIP archive.
/// </summary>
internal static class UuDecoder
{
    public static void Decode(Stream encoded, Stream decoded)
    {
        using var reader = new StreamReader(encoded, System.Text.Encoding.Latin1, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var begun = false;
        Span<byte> output = stackalloc byte[64];
        while (reader.ReadLine() is { } line)
        {
            if (!begun)
            {
                begun = line.StartsWith("begin ", StringComparison.Ordinal);
                continue;
            }
            if (line.StartsWith("end", StringComparison.Ordinal) && line.TrimEnd().Length == 3)
                break;
            if (line.Length == 0)
                continue;
            var count = (line[0] - ' ') & 63;
            if (count == 0)
                continue;
            var written = 0;
            for (var i = 1; written < count && written + 3 <= output.Length; i += 4)
            {
                var quad = 0;
                for (var j = 0; j < 4; j++)
                    quad = (quad << 6) | Digit(line, i + j);
                for (var k = 2; k >= 0 && written < count; k--)
                    output[written++] = (byte)(quad >> (8 * k));
            }
            decoded.Write(output[..written]);
        }
    }

    // A character past the end of the line is a stripped space: a zero digit.
    private static int Digit(string line, int index) => index < line.Length ? (line[index] - ' ') & 63 : 0;
}
