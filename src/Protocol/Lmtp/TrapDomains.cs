namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// The domains this trap serves: a recipient matches when its domain is one of them or a subdomain of one,
/// compared case-insensitively on the IDNA (ASCII) form so that U-labels and A-labels agree. No list: every domain matches.
/// A list made by <see cref="Replace"/> also matches the domains that just left it, each until its grace period ends.
/// </summary>
public sealed class TrapDomains
{
    private readonly string[] _domains;
    private readonly LeavingDomain[] _leaving;
    private readonly TimeProvider _clock;

    public TrapDomains(IEnumerable<string>? domains)
    {
        _domains = (domains ?? [])
            .Select(d => d.Trim())
            .Where(d => d.Length > 0)
            .Select(d => Mailbox.ToAsciiDomain(d) ?? throw new ArgumentException($"'{d}' is not a domain name", nameof(domains)))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        _leaving = [];
        _clock = TimeProvider.System;
    }

    private TrapDomains(string[] domains, LeavingDomain[] leaving, TimeProvider clock)
    {
        _domains = domains;
        _leaving = leaving;
        _clock = clock;
    }

    public static TrapDomains Any { get; } = new(null);

    /// <summary>
    /// The list that follows this one when the domains file now says <paramref name="domains"/>. A domain this list
    /// accepts (listed, or still in its grace) and the new one does not stays accepted until <paramref name="grace"/>
    /// after now: Postfix's front reloads the same file a few seconds after the collector does, and mail it accepted
    /// for the domain meanwhile would otherwise get 550 here, bounce into the discard service and be lost. A domain
    /// listed again loses its grace (it is simply listed); removed again later, it gets a fresh one.
    /// </summary>
    /// <exception cref="ArgumentException">An entry of <paramref name="domains"/> is not a domain name.</exception>
    public TrapDomains Replace(IEnumerable<string> domains, TimeSpan grace, TimeProvider clock)
    {
        var next = new TrapDomains(domains);
        // An empty list accepts every domain: nothing is left to keep.
        if (next.AcceptsAll || grace <= TimeSpan.Zero)
            return next;
        var now = clock.GetUtcNow();
        var listed = next._domains.ToHashSet(StringComparer.Ordinal);
        var leaving = _domains
            .Where(d => !listed.Contains(d))
            .Select(d => new LeavingDomain(d, now + grace))
            .Concat(_leaving.Where(l => l.Until > now && !listed.Contains(l.Domain)))
            .ToArray();
        return new TrapDomains(next._domains, leaving, clock);
    }

    /// <summary>This list without the leaving domains whose grace is over at <paramref name="now"/> (the same matches from then on).</summary>
    public TrapDomains WithoutExpired(DateTimeOffset now) =>
        _leaving.All(l => l.Until > now) ? this : new TrapDomains(_domains, _leaving.Where(l => l.Until > now).ToArray(), _clock);

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

    /// <summary>Domains no longer listed that are still accepted, each until its grace ends (some may have ended by now).</summary>
    public IReadOnlyList<LeavingDomain> Leaving => _leaving;

    public bool Matches(Mailbox mailbox)
    {
        if (AcceptsAll)
            return true;
        if (mailbox.AsciiDomain.Length == 0)
            return mailbox.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase);
        var domain = mailbox.AsciiDomain;
        foreach (var trap in _domains)
        {
            if (Covers(trap, domain))
                return true;
        }
        if (_leaving.Length == 0)
            return false;
        // The clock is read per recipient, not when the session started: a connection kept open past the grace refuses too.
        var now = _clock.GetUtcNow();
        foreach (var leaving in _leaving)
        {
            if (leaving.Until > now && Covers(leaving.Domain, domain))
                return true;
        }
        return false;
    }

    private static bool Covers(string trap, string domain) =>
        domain.Length == trap.Length ? domain == trap
            : domain.Length > trap.Length && domain[domain.Length - trap.Length - 1] == '.' && domain.EndsWith(trap, StringComparison.Ordinal);
}
