using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Payload;

public class JsonPayloadTests
{
    private static readonly MessageEnvelope Envelope = new(
        "sender@spam.example",
        ["a@trap.example", "b@trap.example", "a@trap.example"],
        ImmutableDictionary<string, string>.Empty.Add("ADDR", "192.0.2.7").Add("NAME", "mx.spam.example").Add("HELO", "hello"),
        "postfix.local",
        "127.0.0.1:40000",
        new DateTimeOffset(2025, 11, 25, 14, 30, 15, 123, TimeSpan.FromHours(2)));

    private static ReceivedMessage Message(IReadOnlyList<byte[]> blocks, MessageEnvelope? envelope = null)
    {
        var whole = blocks.SelectMany(b => b).ToArray();
        var body = new MessageBody([.. blocks.Select(b => new ReadOnlyMemory<byte>(b))]);
        return new ReceivedMessage(body, Convert.ToHexStringLower(SHA256.HashData(whole)), envelope ?? Envelope);
    }

    private static JsonElement Parse(ReceivedMessage message, bool withEnvelope = false)
    {
        using var document = JsonDocument.Parse(JsonPayload.ToBytes(message, withEnvelope));
        return document.RootElement.Clone();
    }

    private static IEnumerable<List<byte[]>> SplitsOf(byte[] bytes)
    {
        yield return [bytes];
        for (var cut = 0; cut <= bytes.Length; cut++)
            yield return [bytes[..cut], bytes[cut..]];
        var random = new Random(bytes.Length);
        for (var i = 0; i < 50; i++)
            yield return Chunks.RandomSplit(bytes, random, 4);
    }

    [Fact]
    public void Carries_the_sha256_and_the_text_of_a_utf8_message_however_it_is_split_into_blocks()
    {
        const string text = "Subject: h\u00e9llo \"quoted\" back\\slash\0nul\ttab\r\n\r\nBody \u2713 \ud83d\ude00 <html>&amp; \u00ff\r\n";
        var bytes = Encoding.UTF8.GetBytes(text);

        foreach (var blocks in SplitsOf(bytes))
        {
            var json = Parse(Message(blocks));

            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), json.GetProperty("sha256").GetString());
            Assert.Equal(text, json.GetProperty("msg").GetString());
            Assert.False(json.TryGetProperty("msg_b64", out _));
            Assert.False(json.TryGetProperty("envelope", out _));
        }
    }

    [Fact]
    public void Adds_the_exact_bytes_in_base64_when_the_message_is_not_utf8()
    {
        byte[] bytes = [.. "Subject: caf"u8, 0xE9, .. "\r\n\r\n\u00e9t\u00e9 "u8, 0xC3, .. "x \ud83d\ude00"u8, 0xF0, 0x9F, .. "\r\n"u8];

        foreach (var blocks in SplitsOf(bytes))
        {
            var json = Parse(Message(blocks));

            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), json.GetProperty("sha256").GetString());
            Assert.Equal(bytes, json.GetProperty("msg_b64").GetBytesFromBase64());
            var msg = json.GetProperty("msg").GetString()!;
            Assert.Contains('\uFFFD', msg);
            Assert.StartsWith("Subject: caf", msg, StringComparison.Ordinal);
            Assert.Contains("\u00e9t\u00e9 ", msg, StringComparison.Ordinal);
            Assert.Contains("x \ud83d\ude00", msg, StringComparison.Ordinal);
            Assert.EndsWith("\r\n", msg, StringComparison.Ordinal);
            Assert.Equal(Encoding.UTF8.GetString(bytes), msg);
        }
    }

    [Fact]
    public void Writes_an_empty_message()
    {
        var json = Parse(Message([]));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), json.GetProperty("sha256").GetString());
        Assert.Equal("", json.GetProperty("msg").GetString());
        Assert.False(json.TryGetProperty("msg_b64", out _));
    }

    [Fact]
    public void Adds_the_envelope_only_when_asked()
    {
        var message = Message(["Subject: x\r\n"u8.ToArray()]);

        var json = Parse(message, withEnvelope: true);

        var envelope = json.GetProperty("envelope");
        Assert.Equal("sender@spam.example", envelope.GetProperty("sender").GetString());
        Assert.Equal(["a@trap.example", "b@trap.example", "a@trap.example"],
            envelope.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("192.0.2.7", envelope.GetProperty("client_address").GetString());
        Assert.Equal("mx.spam.example", envelope.GetProperty("client_name").GetString());
        Assert.Equal("hello", envelope.GetProperty("client_helo").GetString());
        Assert.False(envelope.TryGetProperty("client_port", out _));
        Assert.Equal("postfix.local", envelope.GetProperty("lhlo").GetString());
        Assert.Equal("127.0.0.1:40000", envelope.GetProperty("peer").GetString());
        Assert.Equal("2025-11-25T12:30:15.123Z", envelope.GetProperty("received_at").GetString());
        Assert.Equal("Subject: x\r\n", json.GetProperty("msg").GetString());
        Assert.False(Parse(message, withEnvelope: false).TryGetProperty("envelope", out _));
    }

    [Fact]
    public void Leaves_out_what_the_session_did_not_learn()
    {
        var bare = Envelope with { Sender = "", Recipients = ["postmaster"], Xforward = ImmutableDictionary<string, string>.Empty, LhloName = null };

        var envelope = Parse(Message(["x"u8.ToArray()], bare), withEnvelope: true).GetProperty("envelope");

        Assert.Equal("", envelope.GetProperty("sender").GetString());
        Assert.Equal(["postmaster"], envelope.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.False(envelope.TryGetProperty("client_address", out _));
        Assert.False(envelope.TryGetProperty("lhlo", out _));
        Assert.True(envelope.TryGetProperty("received_at", out _));
    }
}
