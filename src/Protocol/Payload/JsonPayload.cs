using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// The json payload of contract.md §1: <c>sha256</c> and <c>msg</c> (invalid UTF-8 replaced by U+FFFD), plus <c>msg_b64</c>
/// with the exact bytes when they are not valid UTF-8, and optionally an <c>envelope</c> object. Written straight from the
/// body's blocks into the caller's buffer: the message is never turned into a .NET string.
/// </summary>
public static class JsonPayload
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Consumers parse JSON; escaping <, > and & for HTML would only make the payload larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static byte[] ToBytes(ReceivedMessage message, bool withEnvelope)
    {
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(int.MaxValue, message.Body.Length + 256));
        Write(buffer, message, withEnvelope);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(IBufferWriter<byte> destination, ReceivedMessage message, bool withEnvelope)
    {
        var body = message.Body;
        destination.Write("{\"sha256\":\""u8);
        System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.ASCII, message.Sha256, destination);
        destination.Write("\",\"msg\":"u8);

        if (Utf8Validation.IsValid(body.ToSequence()))
        {
            JsonStringEscaper.WriteQuoted(destination, body.Blocks);
        }
        else
        {
            // Rare (legacy 8-bit charsets): Utf8JsonWriter replaces invalid sequences with U+FFFD; msg_b64 keeps the bytes.
            using var writer = new Utf8JsonWriter(destination, Options);
            WriteSegments(writer, body, base64: false);
            writer.Flush();
            destination.Write(",\"msg_b64\":"u8);
            writer.Reset(destination);
            WriteSegments(writer, body, base64: true);
            writer.Flush();
        }

        if (withEnvelope)
        {
            destination.Write(",\"envelope\":"u8);
            using var writer = new Utf8JsonWriter(destination, Options);
            WriteEnvelope(writer, message.Envelope);
            writer.Flush();
        }
        if (message.Summary is { } summary)
        {
            destination.Write(",\"summary\":"u8);
            using var writer = new Utf8JsonWriter(destination, Options);
            Summary.SummaryJson.Write(writer, summary);
            writer.Flush();
        }
        destination.Write("}"u8);
    }

    private static void WriteSegments(Utf8JsonWriter writer, MessageBody body, bool base64)
    {
        var blocks = body.Blocks;
        if (blocks.Count == 0)
        {
            writer.WriteStringValue(""u8);
            return;
        }
        for (var i = 0; i < blocks.Count; i++)
        {
            var last = i == blocks.Count - 1;
            if (base64)
                writer.WriteBase64StringSegment(blocks[i].Span, last);
            else
                writer.WriteStringValueSegment(blocks[i].Span, last);
        }
    }

    private static void WriteEnvelope(Utf8JsonWriter writer, MessageEnvelope envelope)
    {
        writer.WriteStartObject();
        writer.WriteString("sender"u8, envelope.Sender);
        writer.WriteStartArray("recipients"u8);
        foreach (var recipient in envelope.Recipients)
            writer.WriteStringValue(recipient);
        writer.WriteEndArray();
        foreach (var (attribute, key) in XforwardKeys)
        {
            if (envelope.Xforward.TryGetValue(attribute, out var value))
                writer.WriteString(key, value);
        }
        if (envelope.LhloName is not null)
            writer.WriteString("lhlo"u8, envelope.LhloName);
        writer.WriteString("peer"u8, envelope.Peer);
        writer.WriteString("received_at"u8, envelope.ReceivedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }

    /// <summary>Postfix's XFORWARD attribute names and the envelope keys they appear under.</summary>
    private static readonly (string Attribute, string Key)[] XforwardKeys =
    [
        ("ADDR", "client_address"),
        ("PORT", "client_port"),
        ("NAME", "client_name"),
        ("HELO", "client_helo"),
        ("PROTO", "client_protocol"),
        ("IDENT", "queue_id"),
        ("SOURCE", "source"),
    ];
}
