namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// The domains this trap serves: a recipient matches when its domain is one of them or a subdomain of one,
/// compared case-insensitively on the IDNA (ASCII) form so that U-labels and A-labels agree. No list: every domain matches.
/// </summary>
public sealed class TrapDomains
{
    private readonly string[] _domains;

    public TrapDomains(IEnumerable<string>? domains)
    {
        _domains = (domains ?? [])
            .Select(d => d.Trim())
            .Where(d => d.Length > 0)
            .Select(d => Mailbox.ToAsciiDomain(d) ?? throw new ArgumentException($"'{d}' is not a domain name", nameof(domains)))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }

    public static TrapDomains Any { get; } = new(null);

    /// <summary>
    /// The domains file's entries (the format Postfix's front reads too, postfix/reload-domains): one domain per line,
    /// <c>#</c> starts a comment, blank lines are skipped, only a line's first word counts, and a leading <c>.</c> or
    /// <c>@</c> and a trailing dot are tolerated.
    /// </summary>
    public static IEnumerable<string> ParseList(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.AsSpan();
            var hash = line.IndexOf('#');
            if (hash >= 0)
                line = line[..hash];
            line = line.Trim();
            var space = line.IndexOfAny(" \t\r\f\v");
            if (space >= 0)
                line = line[..space];
            line = line.TrimStart(".@").TrimEnd('.');
            if (!line.IsEmpty)
                yield return line.ToString();
        }
    }

    public bool AcceptsAll => _domains.Length == 0;

    public IReadOnlyList<string> Domains => _domains;

    public bool Matches(Mailbox mailbox)
    {
        if (AcceptsAll)
            return true;
        if (mailbox.AsciiDomain.Length == 0)
            return mailbox.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase);
        var domain = mailbox.AsciiDomain;
        foreach (var trap in _domains)
        {
            if (domain.Length == trap.Length ? domain == trap
                : domain.Length > trap.Length && domain[domain.Length - trap.Length - 1] == '.' && domain.EndsWith(trap, StringComparison.Ordinal))
                return true;
        }
        return false;
    }
}
