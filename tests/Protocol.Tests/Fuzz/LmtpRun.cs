using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Fuzz;

public enum LmtpEventKind
{
    Greeting,
    Line,
    LineTooLong,
    DataEnded,
    ChunkEnded,
}

/// <summary>
/// One input event the driver handed to the session and the replies it got. For a body's end, <see cref="BodyStart"/> and
/// <see cref="BodyEnd"/> are offsets in the client's byte stream (DATA: from after the DATA line to after the lone dot;
/// BDAT: the chunk), and <see cref="Message"/> is what was handed to the sink, if anything.
/// </summary>
public sealed record LmtpEvent(LmtpEventKind Kind, IReadOnlyList<Reply> Replies, byte[] Line, bool BareLineFeed = false,
    long BodyStart = 0, long BodyEnd = 0, HandedOn? Message = null);

/// <summary>A message the session handed on: its bytes as the builder kept them, the hash it computed, its recipients.</summary>
public sealed record HandedOn(byte[] Bytes, string Sha256, IReadOnlyList<string> Recipients);

/// <summary>Everything one run of the driver produced.</summary>
public sealed record LmtpRun(byte[] Output, IReadOnlyList<LmtpEvent> Events, bool Closed)
{
    public IEnumerable<HandedOn> Messages => Events.Where(e => e.Message is not null).Select(e => e.Message!);

    public IEnumerable<Reply> Replies => Events.SelectMany(e => e.Replies);

    /// <summary>The conversation as the session saw it, for failure reports.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        foreach (var e in Events)
        {
            text.Append(e.Kind switch
            {
                LmtpEventKind.Line => $"C: {Gens.Escape(e.Line, 200)}{(e.BareLineFeed ? " (bare LF)" : "")}",
                LmtpEventKind.DataEnded or LmtpEventKind.ChunkEnded => $"C: <{e.Kind} {e.BodyStart}..{e.BodyEnd}>",
                _ => $"C: <{e.Kind}>",
            }).Append('\n');
            foreach (var reply in e.Replies)
                text.Append("S: ").Append(reply.ToString().TrimEnd().Replace("\r\n", "\n   ", StringComparison.Ordinal)).Append('\n');
        }
        return text.ToString();
    }
}
