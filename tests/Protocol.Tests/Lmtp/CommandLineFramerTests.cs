using System.Runtime.InteropServices;
using System.Text;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class CommandLineFramerTests
{
    private const int Max = 64;

    /// <summary>Feeds the buffers like the connection stage does and lists what the framer reported: "CRLF:line", "LF:line" or "TooLong".</summary>
    private static List<string> Frame(IEnumerable<byte[]> buffers, int max = Max)
    {
        var framer = new CommandLineFramer(max);
        var buffered = new List<byte>();
        var events = new List<string>();
        foreach (var buffer in buffers)
        {
            buffered.AddRange(buffer);
            while (true)
            {
                var span = CollectionsMarshal.AsSpan(buffered);
                var scan = framer.Scan(span);
                Assert.InRange(scan.Consumed, 0, span.Length);
                if (scan.Kind == LineScanKind.Line)
                    events.Add((scan.BareLineFeed ? "LF:" : "CRLF:") + Encoding.ASCII.GetString(span[..scan.LineLength]));
                else if (scan.Kind == LineScanKind.TooLong)
                    events.Add("TooLong");
                buffered.RemoveRange(0, scan.Consumed);
                if (scan.Kind == LineScanKind.Incomplete)
                    break;
            }
            // What stays buffered between reads is bounded by the limit, however long the line.
            Assert.True(buffered.Count < max, $"{buffered.Count} bytes kept");
        }
        return events;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void Splits_lines_on_crlf()
    {
        var events = Frame([Ascii("LHLO a\r\nMAIL FROM:<>\r\n\r\nNOOP\r\n")]);

        Assert.Equal(["CRLF:LHLO a", "CRLF:MAIL FROM:<>", "CRLF:", "CRLF:NOOP"], events);
    }

    [Fact]
    public void Waits_for_the_end_of_a_line_split_across_buffers()
    {
        var events = Frame([Ascii("NO"), Ascii("OP\r"), Ascii("\nQU"), Ascii("IT\r\n")]);

        Assert.Equal(["CRLF:NOOP", "CRLF:QUIT"], events);
    }

    [Fact]
    public void Flags_a_bare_line_feed()
    {
        var events = Frame([Ascii("NOOP\n\nQUIT\r\n")]);

        Assert.Equal(["LF:NOOP", "LF:", "CRLF:QUIT"], events);
    }

    [Fact]
    public void Accepts_a_line_of_exactly_the_limit_with_its_crlf()
    {
        var line = new string('x', Max - 2);

        Assert.Equal(["CRLF:" + line], Frame([Ascii(line + "\r\n")]));
        Assert.Equal(["TooLong"], Frame([Ascii(line + "x\r\n")]));
    }

    [Fact]
    public void Reports_an_over_long_line_ending_in_the_same_buffer_once()
    {
        var events = Frame([Ascii(new string('x', 3 * Max) + "\r\nNOOP\r\n")]);

        Assert.Equal(["TooLong", "CRLF:NOOP"], events);
    }

    [Fact]
    public void Reports_an_over_long_line_ending_in_a_later_buffer_once()
    {
        var events = Frame([Ascii(new string('x', Max + 5)), Ascii("xx\r\nNOOP\r\n")]);

        Assert.Equal(["TooLong", "CRLF:NOOP"], events);
    }

    [Fact]
    public void Reports_an_over_long_line_spread_over_several_buffers_once()
    {
        var buffers = Enumerable.Range(0, 10).Select(_ => Ascii(new string('x', Max / 2 + 3))).ToList();
        buffers.Add(Ascii("tail\r"));
        buffers.Add(Ascii("\nNOOP"));
        buffers.Add(Ascii("\r\n"));

        Assert.Equal(["TooLong", "CRLF:NOOP"], Frame(buffers));
    }

    [Fact]
    public void Reports_an_over_long_line_once_when_the_limit_is_reached_exactly_at_a_buffer_end()
    {
        var events = Frame([Ascii(new string('x', Max)), Ascii("\r\n"), Ascii("NOOP\r\n")]);

        Assert.Equal(["TooLong", "CRLF:NOOP"], events);
    }

    [Fact]
    public void Reports_the_same_lines_however_the_input_is_chunked()
    {
        var random = new Random(20251125);
        for (var iteration = 0; iteration < 300; iteration++)
        {
            var input = new StringBuilder();
            var expected = new List<string>();
            for (var n = random.Next(1, 12); n > 0; n--)
            {
                var length = random.Next(4) == 0 ? random.Next(Max - 4, 4 * Max) : random.Next(0, 20);
                var text = new string((char)('a' + random.Next(26)), length);
                var bare = random.Next(5) == 0;
                var ending = bare ? "\n" : "\r\n";
                input.Append(text).Append(ending);
                expected.Add(text.Length + ending.Length > Max ? "TooLong" : (bare ? "LF:" : "CRLF:") + text);
            }
            var bytes = Ascii(input.ToString());

            Assert.Equal(expected, Frame([bytes]));
            Assert.Equal(expected, Frame(bytes.Select(b => new[] { b })));
            Assert.Equal(expected, Frame(Chunks.RandomSplit(bytes, random, 2 * Max)));
        }
    }
}
