using System.Net;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>Ask the listener where it listens; answered with <see cref="ListenerBound"/> once bound, or <see cref="ListenerFailed"/>.</summary>
public sealed record GetBinding;

public sealed record ListenerBound(EndPoint LocalAddress);

public sealed record ListenerFailed(string Reason);

/// <summary>Stop accepting, let sessions in the middle of a message finish within the deadline, close the rest with 421; answered with <see cref="ListenerStopped"/>.</summary>
public sealed record StopListening;

public sealed record ListenerStopped(int SessionsCutOff);

/// <summary>Serve these trap domains from the next connection on; connections already open keep the list they started with.</summary>
public sealed record UpdateTrapDomains(SmtpCollector.Protocol.Lmtp.TrapDomains Domains);
