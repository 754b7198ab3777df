using System.Text;
using CsCheck;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>Generators shared by the fuzz properties.</summary>
internal static class Gens
{
    public static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>
    /// Message bytes meant to trip an unstuffer: dots at line starts, lone dots, bare CR and LF, "\n.\n" (the smuggling
    /// sequence), a complete "\r\n.\r\n" inside the message, NUL, 8-bit and UTF-8 bytes, now and then a long run.
    /// </summary>
    public static readonly Gen<byte[]> MessageBytes = Gen.Frequency(
        (250, Token.Array[0, 30].Select(Concat)),
        // Past MessageBodyBuilder.MaxBlockBytes: a body in several blocks.
        (1, Gen.Select(Token.Array[0, 10], Run(50_000, 200_000), Token.Array[0, 10], (a, run, b) => Concat([.. a, run, .. b]))));

    private static Gen<byte[]> Token => Gen.Frequency(
        (12, Pick(".", "..", "\r", "\n", "\r\n", "\r\n.", ".\r\n", "\n.\n", "\r.\r", "\r\n.\r\n", "\r\n..\r\n",
            ".\r", "\r\r\n", "\0", "a", "From ", " ", "é", "Subject: x\r\n", "\r\n\r\n").Select(Utf8)),
        (3, Gen.Byte.Array[1, 12]),
        (1, Run(0, 1500)));

    private static Gen<byte[]> Run(int min, int max) => Gen.Select(Gen.Int[min, max], Gen.Byte, (n, b) => Enumerable.Repeat(b, n).ToArray());

    /// <summary>Piece sizes for cutting a stream into reads, used in turn: [] is the whole stream at once, [1] a byte at a time.</summary>
    public static readonly Gen<int[]> Cuts = Gen.Frequency(
        (1, Gen.Const(Array.Empty<int>())),
        (1, Gen.Const(new[] { 1 })),
        (4, Gen.Int[0, 64].Array[1, 16]),
        (2, Gen.Int[1, 5000].Array[1, 8]));

    public static IEnumerable<byte[]> Cut(byte[] bytes, int[] sizes)
    {
        if (sizes.Length == 0 || sizes.All(s => s == 0))
        {
            yield return bytes;
            yield break;
        }
        var at = 0;
        for (var i = 0; at < bytes.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], bytes.Length - at);
            yield return bytes[at..(at + size)];
            at += size;
        }
    }

    /// <summary>Shows bytes as text with control and 8-bit bytes escaped, for failure reports.</summary>
    public static string Escape(byte[] bytes, int max = 1500)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(max))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n\n",
                (byte)'\\' => "\\\\",
                < 32 or >= 127 => $"\\x{b:X2}",
                _ => ((char)b).ToString(),
            });
        }
        if (bytes.Length > max)
            text.Append($"... ({bytes.Length} bytes)");
        return text.ToString();
    }
}
