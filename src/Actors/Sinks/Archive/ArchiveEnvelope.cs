using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>
/// The envelope side file kept with each archived message (<c>DIR/envelope/&lt;name&gt;.json</c>): the message file itself
/// must stay the exact bytes that were hashed, so the envelope cannot go into it as headers. It holds everything the
/// payload's <c>envelope</c> object is made from, so that a replayed payload is the one first published.
/// </summary>
public static class ArchiveEnvelope
{
    public static byte[] ToJson(ReceivedMessage message)
    {
        var envelope = message.Envelope;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("sha256", message.Sha256);
            writer.WriteNumber("size", message.Body.Length);
            writer.WriteString("sender", envelope.Sender);
            writer.WriteStartArray("recipients");
            foreach (var recipient in envelope.Recipients)
                writer.WriteStringValue(recipient);
            writer.WriteEndArray();
            writer.WriteStartObject("xforward");
            foreach (var (attribute, value) in envelope.Xforward.OrderBy(p => p.Key, StringComparer.Ordinal))
                writer.WriteString(attribute, value);
            writer.WriteEndObject();
            if (envelope.LhloName is not null)
                writer.WriteString("lhlo", envelope.LhloName);
            writer.WriteString("peer", envelope.Peer);
            // Full precision ("o"), so that --since/--until select exactly.
            writer.WriteString("received_at", envelope.ReceivedAt.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The envelope and the sha256 it was archived with; <see cref="JsonException"/> or <see cref="FormatException"/> when it is not one.</summary>
    public static (MessageEnvelope Envelope, string Sha256) Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var xforward = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("xforward", out var attributes))
        {
            foreach (var attribute in attributes.EnumerateObject())
                xforward[attribute.Name] = attribute.Value.GetString() ?? "";
        }
        var envelope = new MessageEnvelope(
            root.GetProperty("sender").GetString() ?? "",
            [.. root.GetProperty("recipients").EnumerateArray().Select(r => r.GetString() ?? "")],
            xforward.ToImmutable(),
            root.TryGetProperty("lhlo", out var lhlo) ? lhlo.GetString() : null,
            root.GetProperty("peer").GetString() ?? "",
            DateTimeOffset.Parse(root.GetProperty("received_at").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        return (envelope, root.GetProperty("sha256").GetString() ?? "");
    }
}
