namespace SmtpCollector.Host.Hosting;

/// <summary>ActorRegistry key of the actor that takes messages off the sessions' hands (the sink seam).</summary>
public sealed class MessageSink;

/// <summary>ActorRegistry key of the LMTP listener.</summary>
public sealed class LmtpListener;

/// <summary>The hpfeeds publisher itself, whatever stands in front of it as the <see cref="MessageSink"/> (an archive, the summariser).</summary>
public sealed class Publisher;

/// <summary>ActorRegistry key of the actor that keeps the trap domains in step with the domains file (when there is one).</summary>
public sealed class TrapDomainsFile;
