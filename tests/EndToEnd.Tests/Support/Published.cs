using System.Text;
using System.Text.Json;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.EndToEnd.Tests.Support;

/// <summary>One payload as the subscriber received it: the message's bytes (from msg or msg_b64), its sha256, its envelope.</summary>
public sealed record Published(string Channel, string Sha256, byte[] Message, JsonElement Envelope)
{
    public string Text => Encoding.UTF8.GetString(Message);

    public IReadOnlyList<string> Recipients => [.. Envelope.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()!)];

    public static Published From(PublishFrame frame)
    {
        var json = JsonDocument.Parse(frame.Payload).RootElement;
        var message = json.TryGetProperty("msg_b64", out var b64)
            ? Convert.FromBase64String(b64.GetString()!)
            : Encoding.UTF8.GetBytes(json.GetProperty("msg").GetString()!);
        return new Published(frame.Channel, json.GetProperty("sha256").GetString()!, message,
            json.TryGetProperty("envelope", out var envelope) ? envelope.Clone() : default);
    }
}
