using System.Globalization;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>A mailbox from a MAIL or RCPT path: the local part as sent, the domain as sent and as its ASCII (IDNA) form.</summary>
public sealed record Mailbox(string LocalPart, string Domain, string AsciiDomain)
{
    public bool IsUtf8 => !System.Text.Ascii.IsValid(LocalPart) || !System.Text.Ascii.IsValid(Domain);

    public override string ToString() => Domain.Length == 0 ? LocalPart : $"{LocalPart}@{Domain}";

    private static readonly IdnMapping Idn = new() { AllowUnassigned = true };
    private const string AtomSpecials = "!#$%&'*+-/=?^_`{|}~";

    /// <summary>Parses the inside of a path's angle brackets. A source route (<c>@a,@b:</c>) is dropped as RFC 5321 allows.</summary>
    public static Mailbox? TryParse(string text)
    {
        if (text.StartsWith('@'))
        {
            var colon = text.IndexOf(':');
            if (colon < 0)
                return null;
            // Dropped, but echoed with the path in the replies after DATA: a control character in it (a bare CR, which the
            // framer takes as part of the line) would split a reply line. Found by bench/fuzz.sh.
            if (text.AsSpan(0, colon).ContainsAnyInRange('\0', '\u001f') || text.AsSpan(0, colon).Contains('\u007f'))
                return null;
            text = text[(colon + 1)..];
        }

        if (text.Length == 0)
            return null;

        int at;
        if (text[0] == '"')
        {
            var close = ClosingQuote(text);
            if (close < 0)
                return null;
            at = close + 1 < text.Length && text[close + 1] == '@' ? close + 1 : -1;
            if (at < 0)
                return null;
        }
        else
        {
            at = text.LastIndexOf('@');
            if (at < 0)
            {
                // RFC 5321 4.5.1: <postmaster> without a domain must be accepted.
                return text.Equals("postmaster", StringComparison.OrdinalIgnoreCase) ? new Mailbox(text, "", "") : null;
            }
            if (!IsDotAtom(text.AsSpan(0, at)))
                return null;
        }

        var local = text[..at];
        var domain = text[(at + 1)..];
        var ascii = ToAsciiDomain(domain);
        return ascii is null ? null : new Mailbox(local, domain, ascii);
    }

    private static int ClosingQuote(string text)
    {
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                // RFC 5321 quoted-pairSMTP quotes a printable character, never a control: a CR would end up in the replies.
                if (++i < text.Length && IsAsciiControl(text[i]))
                    return -1;
                continue;
            }
            if (c == '"')
                return i;
            if (IsAsciiControl(c))
                return -1;
        }
        return -1;
    }

    private static bool IsAsciiControl(char c) => c < 32 || c == 127;

    private static bool IsDotAtom(ReadOnlySpan<char> local)
    {
        if (local.Length == 0 || local[0] == '.' || local[^1] == '.' || local.IndexOf("..", StringComparison.Ordinal) >= 0)
            return false;
        foreach (var c in local)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c == '.' || AtomSpecials.Contains(c) || c > 127;
            if (!ok)
                return false;
        }
        return true;
    }

    /// <summary>The domain's ASCII form in lower case, or null when it is not a domain or an address literal.</summary>
    public static string? ToAsciiDomain(string domain)
    {
        if (domain.Length == 0)
            return null;
        if (domain[0] == '[')
            return domain[^1] == ']' && domain.Length > 2 && !domain.AsSpan(1, domain.Length - 2).ContainsAny("[]\\ ")
                && !domain.Any(IsAsciiControl) ? domain.ToLowerInvariant() : null;
        try
        {
            // Lower-cased first: with InvariantGlobalization, IdnMapping does no UTS 46 case mapping, so "BÜCHER" would encode differently from "bücher".
            var ascii = Idn.GetAscii(domain.TrimEnd('.').ToLowerInvariant());
            foreach (var c in ascii)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
                    return null;
            }
            return ascii.ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
