using System.Text;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class DotUnstufferTests
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    /// <summary>The whole-buffer meaning: lines end in CRLF only, a leading dot is removed, the lone-dot line ends the body.</summary>
    private static (byte[] Output, int End) Reference(byte[] input)
    {
        var output = new List<byte>();
        var position = 0;
        while (true)
        {
            var crlf = input.AsSpan(position).IndexOf(Crlf);
            if (crlf < 0)
                return (output.ToArray(), -1);
            var line = input.AsSpan(position, crlf);
            if (line.SequenceEqual("."u8))
                return (output.ToArray(), position + crlf + 2);
            if (line.Length > 0 && line[0] == (byte)'.')
                line = line[1..];
            output.AddRange(line);
            output.AddRange(Crlf);
            position += crlf + 2;
        }
    }

    /// <summary>Feeds <paramref name="input"/> in pieces whose sizes <paramref name="nextSize"/> picks, as the connection stage does.</summary>
    private static (byte[] Output, int End) Unstuff(byte[] input, Func<int> nextSize)
    {
        var unstuffer = new DotUnstuffer();
        var output = new List<byte>();
        var offset = 0;
        while (offset < input.Length)
        {
            var piece = input.AsSpan(offset, Math.Min(nextSize(), input.Length - offset));
            var used = 0;
            while (used < piece.Length)
            {
                var rest = piece[used..];
                var scan = unstuffer.Scan(rest);
                Assert.InRange(scan.Consumed, 1, rest.Length);
                Assert.InRange(scan.Start, 0, scan.Consumed);
                Assert.InRange(scan.Length, 0, scan.Consumed - scan.Start);
                if (scan.HeldCarriageReturn)
                    output.Add((byte)'\r');
                output.AddRange(rest.Slice(scan.Start, scan.Length));
                used += scan.Consumed;
                if (scan.Ended)
                    return (output.ToArray(), offset + used);
            }
            offset += piece.Length;
        }
        return (output.ToArray(), -1);
    }

    private static void AssertSameAsReference(byte[] input, Random random)
    {
        var (expected, end) = Reference(input);

        var whole = Unstuff(input, () => input.Length);
        var byByte = Unstuff(input, () => 1);
        var chunked = Unstuff(input, () => random.Next(1, 12));

        Assert.Equal(end, whole.End);
        Assert.Equal(expected, whole.Output);
        Assert.Equal(end, byByte.End);
        Assert.Equal(expected, byByte.Output);
        Assert.Equal(end, chunked.End);
        Assert.Equal(expected, chunked.Output);
    }

    [Theory]
    [InlineData("Hello\r\n.\r\n", "Hello\r\n")]
    [InlineData(".\r\n", "")]
    [InlineData("\r\n.\r\n", "\r\n")]
    [InlineData("..leading\r\n.\r\n", ".leading\r\n")]
    [InlineData("a\r\n..\r\n...\r\n.\r\n", "a\r\n.\r\n..\r\n")]
    [InlineData("a.b\r\n.x\r\n.\r\n", "a.b\r\nx\r\n")]
    [InlineData("a\n.\nb\r\n.\r\n", "a\n.\nb\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n")]
    [InlineData(".\rX\r\n.\r\n", "\rX\r\n")]
    [InlineData(".\r\r\n.\r\n", "\r\r\n")]
    [InlineData("a\r\r\n.b\r\n.\r\n", "a\r\r\nb\r\n")]
    [InlineData("a\r.\r\n.\r\n", "a\r.\r\n")]
    public void Unstuffs_and_ends_at_the_lone_dot_whatever_the_chunking(string input, string output)
    {
        var bytes = Encoding.ASCII.GetBytes(input + "after");
        var random = new Random(7);

        AssertSameAsReference(bytes, random);
        Assert.Equal(output, Encoding.ASCII.GetString(Unstuff(bytes, () => 1).Output));
        Assert.Equal(input.Length, Unstuff(bytes, () => 1).End);
    }

    [Fact]
    public void Does_not_end_without_the_crlf_dot_crlf()
    {
        var bytes = "a\n.\nb\r\n.\rc\r\n.x\r\n."u8.ToArray();

        Assert.Equal(-1, Unstuff(bytes, () => bytes.Length).End);
        Assert.Equal(-1, Unstuff(bytes, () => 1).End);
    }

    [Fact]
    public void Matches_the_reference_on_random_input_however_it_is_chunked()
    {
        var random = new Random(1125);
        byte[] alphabet = [(byte)'.', (byte)'.', (byte)'\r', (byte)'\r', (byte)'\n', (byte)'\n', (byte)'a', (byte)'b', 0, 0xFF];
        for (var iteration = 0; iteration < 5000; iteration++)
        {
            var body = new byte[random.Next(0, 40)];
            for (var i = 0; i < body.Length; i++)
                body[i] = alphabet[random.Next(alphabet.Length)];
            byte[] input = [.. body, .. "\r\n.\r\n"u8, .. "tail"u8];

            AssertSameAsReference(input, random);
        }
    }

    [Fact]
    public void Starts_the_next_message_at_a_line_start()
    {
        var unstuffer = new DotUnstuffer();
        var input = "one\r\n.\r\n.two\r\n.\r\n"u8.ToArray();
        var messages = new List<string>();
        var current = new List<byte>();
        var offset = 0;
        while (offset < input.Length)
        {
            var scan = unstuffer.Scan(input.AsSpan(offset));
            if (scan.HeldCarriageReturn)
                current.Add((byte)'\r');
            current.AddRange(input.AsSpan(offset + scan.Start, scan.Length));
            offset += scan.Consumed;
            if (scan.Ended)
            {
                messages.Add(Encoding.ASCII.GetString([.. current]));
                current.Clear();
            }
        }

        Assert.Equal(["one\r\n", "two\r\n"], messages);
    }
}
