using System.Security.Cryptography;
using System.Text;

namespace SmtpCollector.Host.Tests.Imap.Support;

/// <summary>
/// Messages from ../shared/corpus as an IMAP client appends them: CRLF line ends (Dovecot hands every message back with
/// CRLF, so the bytes appended and the bytes fetched are the same only in that form). Files with NUL bytes or lone CRs
/// are left out: an IMAP literal may not carry NUL, and Dovecot turns a lone CR into CRLF.
/// </summary>
public static class TrapCorpus
{
    private static readonly Lazy<IReadOnlyList<(string Name, byte[] Bytes)>> Usable = new(() =>
        Directory.GetFiles(Paths.CorpusMessages, "*.eml").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), MessageBytes.ToCrlf(File.ReadAllBytes(f))))
            .Where(m => !m.Item2.Contains((byte)0) && !HasLoneCr(m.Item2))
            .ToArray());

    public static IReadOnlyList<(string Name, byte[] Bytes)> All => Usable.Value;

    /// <summary>A mix: <paramref name="plain"/> ordinary ones, plus every kind the issue names (not UTF-8; a line over 100 KB).</summary>
    public static byte[][] Mix(int plain)
    {
        var notUtf8 = All.Where(m => !IsUtf8(m.Bytes)).Take(3);
        var longLine = All.Where(m => LongestLine(m.Bytes) > 100_000).Take(2);
        var ordinary = All.Where(m => IsUtf8(m.Bytes) && LongestLine(m.Bytes) < 1000).Take(plain);
        return notUtf8.Concat(longLine).Concat(ordinary).Select(m => m.Bytes).ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    public static int LongestLine(byte[] bytes)
    {
        int longest = 0, start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != '\n')
                continue;
            longest = Math.Max(longest, i - start);
            start = i + 1;
        }
        return Math.Max(longest, bytes.Length - start);
    }

    private static bool HasLoneCr(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n'))
                return true;
        }
        return false;
    }
}
