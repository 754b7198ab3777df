using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// What must hold of any LMTP run, whatever the client sent. Each check works from the client's bytes and the replies,
/// not from the session's own bookkeeping: recipients are those the client named in RCPT lines that got 250, message
/// bytes are what a whole-buffer reading of the client's stream gives.
/// </summary>
internal static partial class LmtpChecks
{
    /// <summary>Room for a reply's code, enhanced code and fixed text around an echoed argument (a recipient, the LHLO name).</summary>
    private const int ReplyOverhead = 128;

    public static void All(LmtpRun run, byte[] input, LmtpLimits limits)
    {
        RepliesAreWellFormed(run, limits);
        TransactionsAreKeptApart(run, input, limits);
    }

    public static void RepliesAreWellFormed(LmtpRun run, LmtpLimits limits)
    {
        var maxLine = limits.MaxCommandLineBytes + ReplyOverhead;
        foreach (var e in run.Events)
        {
            foreach (var reply in e.Replies)
            {
                var what = $"reply {reply.ToString().TrimEnd()} to {e.Kind} {Gens.Escape(e.Line, 200)}";
                Check(reply.Code is >= 200 and < 600, $"code out of range: {what}");
                Check(reply.Code / 100 != 3 || reply.Code == 354, $"a 3xx other than 354: {what}");
                Check(reply.Lines.Count > 0, $"no text: {what}");
                var exempt = e.Kind == LmtpEventKind.Greeting || reply.Code == 354 || IsLhloAnswer(e, reply);
                if (!exempt)
                {
                    // The server announces ENHANCEDSTATUSCODES: every 2xx/4xx/5xx after LHLO carries one (RFC 2034).
                    Check(reply.Enhanced is not null && EnhancedCode().IsMatch(reply.Enhanced) && reply.Enhanced[0] - '0' == reply.Code / 100,
                        $"missing or wrong enhanced status code: {what}");
                }
                foreach (var line in reply.Lines)
                {
                    Check(!line.Any(c => c is '\r' or '\n' or '\0'), $"CR, LF or NUL inside a reply line: {what}");
                    var bytes = Encoding.UTF8.GetByteCount(line) + 4 + (reply.Enhanced?.Length + 1 ?? 0) + 2;
                    Check(bytes <= maxLine, $"reply line of {bytes} bytes: {what}");
                }
            }
        }

        var expected = string.Concat(run.Replies.Select(r => r.ToString()));
        Check(run.Output.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(expected)), "the output is not the replies' text");
        var text = Encoding.UTF8.GetString(run.Output);
        Check(text.Length == 0 || text.EndsWith("\r\n", StringComparison.Ordinal), "the output does not end in CRLF");
        var lines = text.Length == 0 ? [] : text[..^2].Split("\r\n");
        Check(lines.All(l => ReplyLine().IsMatch(l)), "an output line is not a reply line");
        Check(lines.Count(l => l[3] == ' ') == run.Replies.Count(), "the output's last lines do not match its replies");
    }

    /// <summary>
    /// One reply per recipient after each message, in RCPT order, and the message handed on is the client's bytes:
    /// DATA unstuffed up to the first CRLF "." CRLF, BDAT the chunks' bytes; its SHA-256 is that of those bytes.
    /// </summary>
    public static void TransactionsAreKeptApart(LmtpRun run, byte[] input, LmtpLimits limits)
    {
        var accepted = new List<string>();
        var chunks = new List<byte>();
        var lastBdat = (Size: -1L, Last: false);

        foreach (var e in run.Events)
        {
            var single = e.Replies.Count == 1 ? e.Replies[0] : null;
            switch (e.Kind)
            {
                case LmtpEventKind.Line when !e.BareLineFeed:
                    var verb = Verb(e.Line);
                    if (verb == "BDAT")
                        lastBdat = BdatArguments(e.Line);
                    if (single is not { Code: 250 })
                        break;
                    if (verb is "MAIL" or "RSET" or "LHLO")
                    {
                        accepted.Clear();
                        chunks.Clear();
                    }
                    else if (verb == "RCPT")
                    {
                        accepted.Add(RecipientPath(e.Line));
                    }
                    break;

                case LmtpEventKind.DataEnded:
                    var data = UnstuffReference(input.AsSpan((int)e.BodyStart));
                    Check(data is not null && data.Value.End == e.BodyEnd - e.BodyStart, $"DATA ended at {e.BodyEnd}, not where the lone dot is");
                    MessageEnded(e, data!.Value.Message, accepted, limits);
                    accepted.Clear();
                    chunks.Clear();
                    break;

                case LmtpEventKind.ChunkEnded:
                    Check(e.BodyEnd - e.BodyStart == lastBdat.Size, $"a chunk of {e.BodyEnd - e.BodyStart} bytes for BDAT {lastBdat.Size}");
                    if (accepted.Count == 0)
                    {
                        Check(single is { Code: 503 } && e.Message is null, "a BDAT chunk with no recipient was not refused 503");
                        break;
                    }
                    chunks.AddRange(input.AsSpan((int)e.BodyStart, (int)(e.BodyEnd - e.BodyStart)));
                    if (!lastBdat.Last)
                    {
                        Check(single is { Code: 250 } && single.Lines[0] == $"{lastBdat.Size} octets received" && e.Message is null,
                            "a BDAT chunk (not LAST) was not answered 250 with its size");
                        break;
                    }
                    MessageEnded(e, [.. chunks], accepted, limits);
                    accepted.Clear();
                    chunks.Clear();
                    break;
            }
        }
    }

    private static void MessageEnded(LmtpEvent e, byte[] sent, List<string> accepted, LmtpLimits limits)
    {
        Check(e.Replies.Count == accepted.Count, $"{e.Replies.Count} replies after the message for {accepted.Count} recipients");
        for (var i = 0; i < accepted.Count; i++)
        {
            Check(e.Replies[i].Lines[0].StartsWith($"<{accepted[i]}> ", StringComparison.Ordinal),
                $"reply {i} after the message is not for <{accepted[i]}>: {e.Replies[i]}");
            Check(e.Replies[i].Code == e.Replies[0].Code, "recipients of one message got different verdicts");
        }
        if (sent.Length > limits.MaxMessageBytes)
        {
            Check(e.Message is null && e.Replies.All(r => r.Code == 552), $"a message of {sent.Length} bytes over {limits.MaxMessageBytes} was not refused 552");
            return;
        }
        Check(e.Message is not null, "a complete message within the limit was not handed on");
        var message = e.Message!;
        Check(message.Bytes.AsSpan().SequenceEqual(sent),
            $"handed on {message.Bytes.Length} bytes that differ from the {sent.Length} sent:\n{Gens.Escape(message.Bytes, 300)}\nsent:\n{Gens.Escape(sent, 300)}");
        Check(message.Sha256 == Convert.ToHexStringLower(SHA256.HashData(sent)), "the SHA-256 is not that of the bytes");
        Check(message.Recipients.SequenceEqual(accepted), "the message's recipients are not those accepted");
    }

    /// <summary>
    /// The whole-buffer meaning of a DATA body: lines end in CRLF only, a leading dot is dropped, the lone-dot line ends it.
    /// Null when no lone-dot line is there.
    /// </summary>
    public static (byte[] Message, long End)? UnstuffReference(ReadOnlySpan<byte> stream)
    {
        var output = new List<byte>();
        var position = 0;
        while (true)
        {
            var crlf = stream[position..].IndexOf("\r\n"u8);
            if (crlf < 0)
                return null;
            var line = stream.Slice(position, crlf);
            if (line.SequenceEqual("."u8))
                return ([.. output], position + crlf + 2);
            if (line.Length > 0 && line[0] == (byte)'.')
                line = line[1..];
            output.AddRange(line);
            output.AddRange("\r\n"u8);
            position += crlf + 2;
        }
    }

    private static bool IsLhloAnswer(LmtpEvent e, Reply reply) => e.Kind == LmtpEventKind.Line && reply.Code == 250 && Verb(e.Line) == "LHLO";

    private static string Verb(byte[] line)
    {
        var space = Array.IndexOf(line, (byte)' ');
        return Encoding.Latin1.GetString(space < 0 ? line : line[..space]).ToUpperInvariant();
    }

    /// <summary>The path of an accepted RCPT line: it had no parameters, so it is all between the angle brackets.</summary>
    private static string RecipientPath(byte[] line)
    {
        var argument = Encoding.UTF8.GetString(line)[5..].Trim(' ');
        Check(argument.StartsWith("TO:", StringComparison.OrdinalIgnoreCase), $"RCPT accepted without TO: {argument}");
        var path = argument[3..].TrimStart(' ');
        Check(path.Length >= 2 && path[0] == '<' && path[^1] == '>', $"RCPT accepted without a path in brackets: {argument}");
        return path[1..^1];
    }

    private static (long Size, bool Last) BdatArguments(byte[] line)
    {
        var parts = Encoding.Latin1.GetString(line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var size = parts.Length > 1 && long.TryParse(parts[1], System.Globalization.NumberStyles.None, null, out var n) ? n : -1;
        return (size, parts.Length == 3 && parts[2].Equals("LAST", StringComparison.OrdinalIgnoreCase));
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
            throw new LmtpInvariantBroken(message);
    }

    [GeneratedRegex(@"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"^[2-5][0-9]{2}[ -]")]
    private static partial Regex ReplyLine();
}

internal sealed class LmtpInvariantBroken(string message) : Exception(message);
