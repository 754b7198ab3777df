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
