using System.Buffers;
using System.Text;
using System.Text.Json;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Payload;

public class JsonStringEscaperTests
{
    private static string RoundTrip(IReadOnlyList<byte[]> blocks)
    {
        var output = new ArrayBufferWriter<byte>();
        JsonStringEscaper.WriteQuoted(output, [.. blocks.Select(b => new ReadOnlyMemory<byte>(b))]);
        return JsonSerializer.Deserialize<string>(output.WrittenSpan)!;
    }

    [Fact]
    public void Every_control_character_quote_and_backslash_survives_a_json_parser()
    {
        var text = new string([.. Enumerable.Range(0, 0x20).Select(c => (char)c)]) + "\"\\/\u007f";
        Assert.Equal(text, RoundTrip([Encoding.UTF8.GetBytes(text)]));
    }

    [Fact]
    public void Random_utf8_text_split_anywhere_parses_back_to_itself()
    {
        var random = new Random(20261125);
        string[] pieces = ["\r\n", ".", "\"", "\\", "\0", "\t", "é", "€", "🙂", "你好", "plain text ", "\u2028", "\u001b[0m"];
        for (var round = 0; round < 500; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 60)).Select(_ => pieces[random.Next(pieces.Length)]));
            var bytes = Encoding.UTF8.GetBytes(text);
            Assert.Equal(text, RoundTrip(Chunks.RandomSplit(bytes, random, 5)));
        }
    }

    [Fact]
    public void Only_what_json_requires_is_escaped()
    {
        var output = new ArrayBufferWriter<byte>();
        JsonStringEscaper.WriteQuoted(output, [Encoding.UTF8.GetBytes("a<b>&'é\r\n")]);
        Assert.Equal("\"a<b>&'é\\r\\n\"", Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
