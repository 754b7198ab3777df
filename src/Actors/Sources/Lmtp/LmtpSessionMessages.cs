using Akka.Actor;
using Akka.Event;
using Akka.IO;

namespace SmtpCollector.Actors.Sources.Lmtp;

// From the connection stage to the session actor. The stage hands on what it reads as it comes, within a window: the
// session answers every piece with WriteReplies, saying how many bytes it used, and the stage reads on only while what it
// handed on and the session has not used stays small (a line's worth between commands, a window of a message's bytes).

/// <summary>The connection is up; <paramref name="Connection"/> takes the session's replies; <paramref name="Slot"/> is where the session says whether it is idle, for the listener.</summary>
public sealed record ConnectionOpened(IActorRef Connection, string Peer, ConnectionSlot Slot);

/// <summary>Bytes read from the client, in order.</summary>
public sealed record BytesReceived(ByteString Bytes);

/// <summary>The client has closed its side: nothing more will be read.</summary>
public sealed record InputEnded
{
    public static readonly InputEnded Instance = new();
}

/// <summary>The client has read the replies asked about (<see cref="ReadAhead.AfterRepliesRead"/>): the session goes on.</summary>
public sealed record RepliesRead
{
    public static readonly RepliesRead Instance = new();
}

public sealed record ConnectionClosed : IDeadLetterSuppression;

// From the session actor to the connection stage.

/// <summary>
/// Send <paramref name="Replies"/>; the session has used <paramref name="Consumed"/> more of the bytes handed to it, and
/// <paramref name="Next"/> says how the stage reads on.
/// </summary>
public sealed record WriteReplies(ByteString Replies, int Consumed, ReadAhead Next);

/// <summary>How far the stage reads ahead of what the session has used.</summary>
public enum ReadAhead
{
    /// <summary>Not now: the session waits for something else (the sink), and says so again when it wants more.</summary>
    Nothing,
    /// <summary>The session has used all it can: hand it the next read (between commands, one piece at a time).</summary>
    NextPiece,
    /// <summary>The session is reading a message: hand on reads while less than a window of them is unused.</summary>
    Window,
    /// <summary>Answer <see cref="RepliesRead"/> once the client has taken most of its replies; read nothing before.</summary>
    AfterRepliesRead,
}

/// <summary>Send the last replies and close the connection.</summary>
public sealed record WriteAndClose(ByteString Replies);

// From the listener.

/// <summary>
/// The connection slots are all taken: close if still idle between transactions (421 4.4.2), so a new client gets in.
/// A session in the middle of a message ignores it.
/// </summary>
public sealed record EvictIfIdle
{
    public static readonly EvictIfIdle Instance = new();
}

/// <summary>More than <see cref="LmtpServerSettings.StressThreshold"/> of the slots are taken (or no longer are): the idle timeout between commands is the stress one (or the usual one again).</summary>
public sealed record StressChanged(bool UnderStress);

/// <summary>The server is shutting down: finish the message in hand, if any, then close with 421.</summary>
public sealed record Drain;
