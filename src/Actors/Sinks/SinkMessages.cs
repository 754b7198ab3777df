using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks;

// The sink seam, the same for every source (LMTP sessions, IMAP mailboxes) and every sink (the local file, the hpfeeds
// publisher, a composite of several): a source tells a sink StoreMessage and the sink answers the sender with exactly one
// of MessageStored or MessageNotStored. It answers MessageStored only once the message is safe: nothing that was
// confirmed may be lost. An answer carries the message it is about: a source matches it to the message it is waiting for
// by reference, and takes a late answer for a message it has already given up on for nothing else (two messages can have
// the same bytes, and so the same hash). The answer says nothing of the source's protocol: what a reason means for a
// client is the source's business. The seam is local: its messages hold pooled body blocks and are never serialized.
// A sink owns the body it is handed and releases it exactly once, when it no longer reads it.

/// <summary>Keep <paramref name="Message"/> safe; past <paramref name="Deadline"/> (UTC) the source has given up waiting, and a sink may answer <see cref="NotStoredReason.Unavailable"/> instead.</summary>
public sealed record StoreMessage(ReceivedMessage Message, DateTime Deadline);

public sealed record MessageStored(ReceivedMessage Message);

/// <summary>The message is not safe. <paramref name="Detail"/> is for the log: what exactly went wrong.</summary>
public sealed record MessageNotStored(ReceivedMessage Message, NotStoredReason Reason, string Detail);
