using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>One payload line of the file sink, decoded back to the message's exact bytes.</summary>
public sealed record StoredPayload(string Sha256, byte[] Bytes, JsonElement Json)
{
    public bool HashMatches => Convert.ToHexStringLower(SHA256.HashData(Bytes)) == Sha256;

    public static IReadOnlyList<StoredPayload> ReadAll(string path)
    {
        if (!File.Exists(path))
            return [];
        var payloads = new List<StoredPayload>();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var json = JsonDocument.Parse(line).RootElement.Clone();
            var bytes = json.TryGetProperty("msg_b64", out var b64)
                ? Convert.FromBase64String(b64.GetString()!)
                : Encoding.UTF8.GetBytes(json.GetProperty("msg").GetString()!);
            payloads.Add(new StoredPayload(json.GetProperty("sha256").GetString()!, bytes, json));
        }
        return payloads;
    }
}
