using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>The proof of the secret in an AUTH frame: SHA-1(nonce ‖ UTF-8(secret)).</summary>
public static class AuthHash
{
    public const int Length = 20;

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The hpfeeds protocol fixes SHA-1; the broker computes the same.")]
    public static byte[] Compute(ReadOnlySpan<byte> nonce, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var input = new byte[nonce.Length + Encoding.UTF8.GetByteCount(secret)];
        nonce.CopyTo(input);
        Encoding.UTF8.GetBytes(secret, input.AsSpan(nonce.Length));
        return SHA1.HashData(input);
    }
}
