using Akka.Actor;
using Akka.Event;
using Akka.IO;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>How the connection stage reads its input next.</summary>
public enum ReadMode
{
    Command,
    Data,
    Chunk,
    DiscardChunk,
}

// From the connection stage to the session actor. The stage sends one input event at a time and reads
// nothing more until the session answers it with ContinueReading: that is the session's backpressure.
// Body bytes are the exception: they flow within a window, each piece answered with BodyBytesTaken.

/// <summary>The connection is up; <paramref name="Connection"/> takes the session's replies.</summary>
public sealed record ConnectionOpened(IActorRef Connection, string Peer);

/// <summary>
/// The complete command lines buffered, in order, as one event: a pipelined group (MAIL, RCPT..., DATA) costs one round
/// trip to the session instead of one per command. A group ends after a DATA or BDAT line (what follows may be message
/// bytes) and after a line over the limit.
/// </summary>
public sealed record CommandLinesReceived(IReadOnlyList<CommandLine> Lines);

/// <summary>A command line without its ending, or one over the length limit (<paramref name="TooLong"/>: no bytes kept).</summary>
public readonly record struct CommandLine(ByteString Bytes, bool BareLineFeed, bool TooLong = false);

/// <summary>Message bytes (dot-unstuffed DATA, or BDAT chunk bytes), as slices of what was read; <paramref name="Ended"/>: the body or chunk is complete.</summary>
public sealed record BodyBytesReceived(IReadOnlyList<ByteString> Slices, bool Ended);

public sealed record ConnectionClosed : IDeadLetterSuppression;

// From the session actor to the connection stage.

/// <summary>Send <paramref name="Replies"/>, then read the next input event in <paramref name="Mode"/>.</summary>
public sealed record ContinueReading(ByteString Replies, ReadMode Mode, long ChunkSize = 0);

/// <summary>The session has taken <paramref name="Count"/> body bytes in hand: that much more may be sent to it.</summary>
public sealed record BodyBytesTaken(long Count);

/// <summary>Send replies now, without reading on (the greeting).</summary>
public sealed record WriteReplies(ByteString Replies);

/// <summary>Send the last replies and close the connection.</summary>
public sealed record WriteAndClose(ByteString Replies);

// From the listener.

/// <summary>The server is shutting down: finish the message in hand, if any, then close with 421.</summary>
public sealed record Drain;
