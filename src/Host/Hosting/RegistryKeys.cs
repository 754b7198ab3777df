namespace SmtpCollector.Host.Hosting;

/// <summary>ActorRegistry key of the actor that takes messages off the sessions' hands (the sink seam).</summary>
public sealed class MessageSink;

/// <summary>ActorRegistry key of the LMTP listener.</summary>
public sealed class LmtpListener;
