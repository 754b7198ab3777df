using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Publishing;

// The sink seam: whatever takes messages off the LMTP sessions' hands (the file sink, the hpfeeds publisher)
// receives StoreMessage and answers the sender with exactly one of MessageStored or MessageNotStored. It answers
// MessageStored only once the message is safe: nothing that was confirmed may be lost. An answer carries the message it
// is about: a session matches it to the message it is waiting for by reference, and takes a late answer for a message
// it has already given up on for nothing else (two messages can have the same bytes, and so the same hash). The seam is
// local: its messages hold pooled body blocks and are never serialized.

/// <summary>Keep <paramref name="Message"/> safe; past <paramref name="Deadline"/> (UTC) the session has given up waiting, and a sink may answer 451 instead.</summary>
public sealed record StoreMessage(ReceivedMessage Message, DateTime Deadline);

public sealed record MessageStored(ReceivedMessage Message);

/// <summary>The message is not safe; <paramref name="Verdict"/> is the reply its recipients get (4xx: Postfix keeps it and retries).</summary>
public sealed record MessageNotStored(ReceivedMessage Message, Reply Verdict, string Reason);
