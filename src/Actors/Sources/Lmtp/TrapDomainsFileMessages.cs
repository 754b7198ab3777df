namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// A reload (SIGHUP): read the domains file now rather than at the next poll, with <paramref name="FixedDomains"/> as the
/// configuration's own list from now on. Answered with <see cref="TrapDomainsReloaded"/>.
/// </summary>
public sealed record ReloadTrapDomains(IReadOnlyList<string> FixedDomains);

/// <summary>
/// The trap domains after a <see cref="ReloadTrapDomains"/>: what was added and removed (a removed domain may still be in
/// its grace). <paramref name="Problem"/> says why the list was kept as it was, when it was.
/// </summary>
public sealed record TrapDomainsReloaded(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, string? Problem = null);
