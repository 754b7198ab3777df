using System.Collections.Immutable;
using System.Text;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// Postfix's XFORWARD attributes (the original client's NAME, ADDR, PORT, PROTO, HELO, IDENT, SOURCE).
/// Values arrive xtext-encoded (RFC 3461); <c>[UNAVAILABLE]</c> and <c>[TEMPUNAVAIL]</c> mean "not known" and are dropped.
/// </summary>
public static class XforwardAttributes
{
    public static readonly ImmutableArray<string> Names = ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"];

    /// <summary>Merges the attributes of one XFORWARD line into <paramref name="current"/>; null on a syntax error or unknown attribute.</summary>
    public static ImmutableDictionary<string, string>? Merge(ImmutableDictionary<string, string> current, string argument)
    {
        var items = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
            return null;
        var builder = current.ToBuilder();
        foreach (var item in items)
        {
            var eq = item.IndexOf('=');
            if (eq <= 0)
                return null;
            var name = item[..eq].ToUpperInvariant();
            if (!Names.Contains(name))
                return null;
            var value = DecodeXtext(item[(eq + 1)..]);
            if (value is null)
                return null;
            if (value is "[UNAVAILABLE]" or "[TEMPUNAVAIL]")
                builder.Remove(name);
            else
                builder[name] = value;
        }
        return builder.ToImmutable();
    }

    private static string? DecodeXtext(string text)
    {
        if (!text.Contains('+'))
            return text;
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '+')
            {
                bytes.Add((byte)text[i]);
                continue;
            }
            if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b))
                return null;
            bytes.Add(b);
            i += 2;
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
