namespace SmtpCollector.Protocol.Lmtp;

public sealed record LmtpSessionSettings(string HostName, LmtpLimits Limits, TrapDomains Domains);
