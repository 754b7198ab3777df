using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary><c>summary: true</c>: what is inside each message, parsed with MimeKit off the reply path, in the json payload.</summary>
public sealed class SummaryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Every_corpus_payload_has_a_summary_and_attachment_hashes_are_those_of_the_decoded_bytes()
    {
        var files = Directory.GetFiles(Paths.CorpusMessages, "*.eml").Order(StringComparer.Ordinal).ToArray();
        using var temp = new TempDirectory();
        var sink = temp.File("messages.jsonl");
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, $"summary: true\nsink: file:{sink}\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config);

        var sent = new Dictionary<string, byte[]>();
        await Parallel.ForEachAsync(files.Chunk((files.Length + 3) / 4), async (share, cancel) =>
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            foreach (var file in share)
            {
                var bytes = MessageBytes.ToCrlf(await File.ReadAllBytesAsync(file, cancel));
                Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(bytes, "victim@trap.example"))[0]);
                lock (sent)
                    sent[Archive.Sha256(bytes)] = bytes;
            }
        });

        var payloads = StoredPayload.ReadAll(sink);
        Assert.Equal(sent.Count, payloads.Select(p => p.Sha256).Distinct().Count());
        var withAttachments = new List<(byte[] Bytes, JsonElement Attachments)>();
        foreach (var payload in payloads)
        {
            Assert.True(payload.HashMatches);
            var summary = payload.Json.GetProperty("summary");
            if (summary.TryGetProperty("error", out var error))
            {
                Assert.False(string.IsNullOrEmpty(error.GetString()));
                continue;
            }
            foreach (var key in new[] { "subject", "from", "to", "date", "message_id", "attachments" })
                Assert.True(summary.TryGetProperty(key, out _), $"{payload.Sha256}: no {key}");
            var attachments = summary.GetProperty("attachments");
            if (attachments.EnumerateArray().Any(a => a.GetProperty("filename").ValueKind == JsonValueKind.String))
                withAttachments.Add((payload.Bytes, attachments));
        }
        Assert.True(payloads.Count(p => !p.Json.GetProperty("summary").TryGetProperty("error", out _)) > payloads.Count * 9 / 10);

        // Python's email package decodes the same attachments to the same bytes.
        Assert.NotEmpty(withAttachments);
        var checkedByHand = withAttachments.Take(16).ToList();
        var paths = new List<string>();
        for (var i = 0; i < checkedByHand.Count; i++)
        {
            paths.Add(temp.File($"check{i}.eml"));
            await File.WriteAllBytesAsync(paths[i], checkedByHand[i].Bytes);
        }
        var python = await Python.RunAsync("""
            import hashlib, sys
            from email import message_from_bytes, policy
            def leaves(part):
                if part.get_content_maintype() == 'multipart' and isinstance(part.get_payload(), list):
                    for child in part.get_payload():
                        yield from leaves(child)
                else:
                    yield part
            for i, path in enumerate(sys.argv[1:]):
                msg = message_from_bytes(open(path, 'rb').read(), policy=policy.compat32)
                # Malformed MIME is read differently by every parser: only well-formed messages are compared.
                if any(part.defects for part in msg.walk()):
                    print(i, 'malformed', sep='\t')
                    continue
                for part in leaves(msg):
                    if part.get_filename() is None or part.get_content_maintype() == 'message':
                        continue
                    data = part.get_payload(decode=True) or b''
                    print(i, hashlib.sha256(data).hexdigest(), len(data), sep='\t')
            """, paths, Wait);
        var lines = python.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var malformed = lines.Where(line => line.EndsWith("\tmalformed", StringComparison.Ordinal)).Select(line => int.Parse(line.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        var expected = lines.Where(line => !line.EndsWith("\tmalformed", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(checkedByHand.Count - malformed.Count >= 8, "too few well-formed messages with attachments compared");
        var ours = checkedByHand.SelectMany((c, i) => c.Attachments.EnumerateArray()
                .Where(a => !malformed.Contains(i) && a.GetProperty("filename").ValueKind == JsonValueKind.String
                    && !a.GetProperty("content_type").GetString()!.StartsWith("message/", StringComparison.Ordinal))
                .Select(a => $"{i}\t{a.GetProperty("sha256").GetString()}\t{a.GetProperty("size").GetInt64()}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        var differ = expected.Except(ours).Concat(ours.Except(expected)).ToList();
        Assert.True(differ.Count == 0, "attachments decoded otherwise than by Python:\n" + string.Join("\n", differ));
        Assert.Equal(expected, ours);
    }

    [Fact]
    public async Task Hostile_mime_is_summarised_within_limits_or_marked_and_the_server_goes_on()
    {
        using var temp = new TempDirectory();
        var sink = temp.File("messages.jsonl");
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, $"summary: true\nsink: file:{sink}\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config);
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);

        var nested = HostileMime.NestedParts(10_000);
        var hugeHeader = HostileMime.HugeHeader(10 * 1024 * 1024);
        var normal = Encoding.ASCII.GetBytes("Subject: =?UTF-8?B?w6TDtsO8?=\r\nFrom: a@spam.example\r\n\r\nhello\r\n");
        foreach (var message in new[] { nested, hugeHeader, normal })
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "v@trap.example"))[0]);

        var payloads = StoredPayload.ReadAll(sink).ToDictionary(p => p.Sha256);
        var nestedSummary = payloads[Archive.Sha256(nested)].Json.GetProperty("summary");
        Assert.Contains("MIME nesting deeper than", nestedSummary.GetProperty("limit").GetString(), StringComparison.Ordinal);
        Assert.Equal("nested", nestedSummary.GetProperty("subject").GetString());
        var headerSummary = payloads[Archive.Sha256(hugeHeader)].Json.GetProperty("summary");
        Assert.Contains("header block longer than", headerSummary.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("äöü", payloads[Archive.Sha256(normal)].Json.GetProperty("summary").GetProperty("subject").GetString());
        Assert.True(payloads[Archive.Sha256(hugeHeader)].HashMatches);
    }
}
