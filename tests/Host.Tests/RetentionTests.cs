using System.Globalization;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>archive_max_age_days and archive_max_bytes: the oldest archived messages beyond them go, while mail keeps coming.</summary>
public sealed class RetentionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Max_bytes_removes_exactly_the_oldest_beyond_the_limit_while_deliveries_go_on()
    {
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        const long maxBytes = 50_000;
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, $"""
            archive: maildir:{maildir}
            archive_max_bytes: {maxBytes}
            archive_retention_interval_seconds: 0.1
            """);
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--sink", $"file:{temp.File("messages.jsonl")}");
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);

        // Delivered one after the other: this is the archive's order, oldest first.
        var delivered = new List<byte[]>();
        async Task DeliverAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var message = Archive.Message(delivered.Count, 3_000 + delivered.Count * 101 % 4_000);
                Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "v@trap.example"))[0]);
                delivered.Add(message);
            }
        }

        await DeliverAsync(25);
        // A pass has run and brought the archive within the limit; and deliveries go on after (and during) passes.
        Assert.True(await Archive.WaitUntilAsync(() => ArchivedBytes(maildir) <= maxBytes, Wait), "retention did not run");
        await DeliverAsync(25);
        Assert.True(await Archive.WaitUntilAsync(() => ArchivedBytes(maildir) <= maxBytes, Wait), "retention did not run again");

        // The newest messages whose sizes add up to at most the limit, and not one more or less.
        var expected = new List<string>();
        long total = 0;
        for (var i = delivered.Count - 1; i >= 0 && total + delivered[i].Length <= maxBytes; i--)
        {
            total += delivered[i].Length;
            expected.Add(Archive.Sha256(delivered[i]));
        }
        var (archived, files) = Archive.Read(maildir);
        Assert.Equal(expected.Order(StringComparer.Ordinal), archived.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, files);
        Assert.Equal(files, Directory.GetFiles(Path.Combine(maildir, "envelope")).Length);
        Assert.True(await Archive.WaitUntilAsync(() => collector.Output.Contains("archive retention: removed", StringComparison.Ordinal), Wait), "no retention log line");
    }

    [Fact]
    public async Task Max_age_removes_the_messages_archived_before_it_and_keeps_the_rest()
    {
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        Directory.CreateDirectory(Path.Combine(maildir, "new"));
        Directory.CreateDirectory(Path.Combine(maildir, "cur"));
        Directory.CreateDirectory(Path.Combine(maildir, "envelope"));
        var now = DateTimeOffset.UtcNow;
        // Archived by an earlier run: two ten days ago (one moved to cur/ by a mail reader), one half a day ago.
        var old1 = Plant(maildir, "new", now.AddDays(-10), 1);
        var old2 = Plant(maildir, "cur", now.AddDays(-10).AddMinutes(5), 2, ":2,S");
        var recent = Plant(maildir, "new", now.AddHours(-12), 3);
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, $"""
            archive: maildir:{maildir}
            archive_max_age_days: 1
            archive_retention_interval_seconds: 0.1
            """);
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--sink", $"file:{temp.File("messages.jsonl")}");
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        var fresh = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var message = Archive.Message(i);
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "v@trap.example"))[0]);
            fresh.Add(Archive.Sha256(message));
        }

        Assert.True(await Archive.WaitUntilAsync(() => !File.Exists(old1.Message) && !File.Exists(old2.Message), Wait), "old messages not removed");
        Assert.False(File.Exists(old1.Envelope));
        Assert.False(File.Exists(old2.Envelope));
        Assert.True(File.Exists(recent.Message));
        Assert.True(File.Exists(recent.Envelope));
        var (archived, _) = Archive.Read(maildir);
        Assert.Equal(fresh.Append(recent.Sha256).Order(StringComparer.Ordinal), archived.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// What new/ holds, once no pass is half-way through (a message file gone, its envelope not yet, or a file
    /// removed between the listing and its size): a half-way look counts as over the limit, so the caller looks again.
    /// </summary>
    private static long ArchivedBytes(string maildir)
    {
        var files = Directory.GetFiles(Path.Combine(maildir, "new"));
        if (files.Length != Directory.GetFiles(Path.Combine(maildir, "envelope")).Length)
            return long.MaxValue;
        long total = 0;
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            if (!info.Exists)
                return long.MaxValue;
            total += info.Length;
        }
        return total;
    }

    private static (string Message, string Envelope, string Sha256) Plant(string maildir, string folder, DateTimeOffset at, int n, string info = "")
    {
        var bytes = Archive.Message(1000 + n);
        var name = string.Create(CultureInfo.InvariantCulture, $"{at.ToUnixTimeSeconds()}.M{at.Ticks / 10 % 1_000_000}P1Q{n}.earlier,S={bytes.Length}");
        var message = Path.Combine(maildir, folder, name + info);
        File.WriteAllBytes(message, bytes);
        var envelope = Path.Combine(maildir, "envelope", name + ".json");
        File.WriteAllText(envelope, "{}");
        return (message, envelope, Archive.Sha256(bytes));
    }
}
