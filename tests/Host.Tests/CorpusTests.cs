using System.Security.Cryptography;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>
/// The whole real spam corpus (../shared/corpus: bare LF, lone-dot lines, 178 KB lines, NUL, non-UTF-8) delivered over LMTP
/// to the real program and found in the file sink byte for byte. The client sends each file with its bare LFs turned into
/// CRLF (LMTP carries CRLF lines); those CRLF bytes are what the collector receives and what its hash must cover.
/// </summary>
public sealed class CorpusTests
{
    [Fact]
    public async Task Every_corpus_message_is_stored_byte_for_byte_with_its_sha256()
    {
        var files = Directory.GetFiles(Paths.CorpusMessages, "*.eml").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(602, files.Length);

        using var temp = new TempDirectory();
        var sink = temp.File("corpus.jsonl");
        await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{sink}");

        var sent = new Dictionary<string, byte[]>();
        const int sessions = 4;
        await Parallel.ForEachAsync(files.Chunk((files.Length + sessions - 1) / sessions), async (share, cancel) =>
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            foreach (var file in share)
            {
                var bytes = MessageBytes.ToCrlf(await File.ReadAllBytesAsync(file, cancel));
                var replies = await client.DeliverAsync(bytes, "victim@trap.example");
                Assert.True(replies[0].StartsWith("250 2.0.0", StringComparison.Ordinal), $"{Path.GetFileName(file)}: {replies[0]}");
                lock (sent)
                    sent[Convert.ToHexStringLower(SHA256.HashData(bytes))] = bytes;
            }
        });

        var stored = StoredPayload.ReadAll(sink).ToDictionary(p => p.Sha256);
        Assert.Equal(sent.Count, stored.Count);
        foreach (var (sha256, bytes) in sent)
        {
            Assert.True(stored.TryGetValue(sha256, out var payload), $"message {sha256} not stored");
            Assert.True(bytes.AsSpan().SequenceEqual(payload.Bytes), $"message {sha256} stored with different bytes");
        }
        var withB64 = stored.Values.Count(p => p.Json.TryGetProperty("msg_b64", out _));
        Assert.InRange(withB64, 1, stored.Count - 1);
    }
}
