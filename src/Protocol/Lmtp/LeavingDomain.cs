namespace SmtpCollector.Protocol.Lmtp;

/// <summary>A trap domain no longer listed that is still accepted until <see cref="Until"/> (its grace period).</summary>
/// <param name="Domain">The domain in its ASCII (IDNA) form, as <see cref="TrapDomains.Domains"/> holds it.</param>
public readonly record struct LeavingDomain(string Domain, DateTimeOffset Until);
