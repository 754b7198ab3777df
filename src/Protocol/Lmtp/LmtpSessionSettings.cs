namespace SmtpCollector.Protocol.Lmtp;

public sealed record LmtpSessionSettings(string HostName, LmtpLimits Limits, TrapDomains Domains)
{
    public static LmtpSessionSettings Default { get; } = new("localhost", new LmtpLimits(), TrapDomains.Any);
}
