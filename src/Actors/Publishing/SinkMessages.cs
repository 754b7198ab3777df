using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Publishing;

// The sink seam: whatever takes messages off the LMTP sessions' hands (the file sink, the hpfeeds publisher)
// receives StoreMessage and answers the sender with exactly one of MessageStored or MessageNotStored. It answers
// MessageStored only once the message is safe: nothing that was confirmed may be lost.

public sealed record StoreMessage(ReceivedMessage Message);

public sealed record MessageStored(string Sha256);

/// <summary>The message is not safe; <paramref name="Verdict"/> is the reply its recipients get (4xx: Postfix keeps it and retries).</summary>
public sealed record MessageNotStored(string Sha256, Reply Verdict, string Reason);
