using System.Diagnostics;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The real program with the hpfeeds sink and a Maildir archive: 250 only when both have the message.</summary>
public sealed class ArchiveTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_message_answered_250_is_in_the_maildir_byte_exact_and_at_the_subscriber()
    {
        await using var feedBroker = await FeedBroker.StartAsync();
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        var feed = Archive.WriteFeedConfig(temp, feedBroker.Broker.Port);
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--maildir", maildir);

        // Corpus messages under the broker's frame limit (the one above it is spooled, not published), and some of our own.
        var messages = Directory.GetFiles(Paths.CorpusMessages, "*.eml").Order(StringComparer.Ordinal)
            .Select(file => MessageBytes.ToCrlf(File.ReadAllBytes(file))).Where(bytes => bytes.Length < 600_000).Take(60)
            .Concat(Enumerable.Range(0, 20).Select(i => Archive.Message(i)))
            .ToList();
        var accepted = new Dictionary<string, byte[]>();
        await Parallel.ForEachAsync(messages.Chunk((messages.Count + 2) / 3), async (share, _) =>
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            foreach (var message in share)
            {
                var reply = (await client.DeliverAsync(message, "victim@trap.example"))[0];
                Assert.StartsWith("250 2.0.0", reply);
                lock (accepted)
                    accepted[Archive.Sha256(message)] = message;
            }
        });

        var (archived, files) = Archive.Read(maildir);
        Assert.Equal(accepted.Count, files);
        var published = (await feedBroker.Subscriber.WaitForAsync(accepted.Count, Wait))
            .Select(frame => System.Text.Json.JsonDocument.Parse(frame.Payload).RootElement.GetProperty("sha256").GetString()!)
            .ToHashSet();
        foreach (var (sha256, bytes) in accepted)
        {
            Assert.True(archived.TryGetValue(sha256, out var kept), $"{sha256} answered 250 but not archived");
            Assert.True(bytes.AsSpan().SequenceEqual(kept), $"{sha256} archived with other bytes");
            Assert.Contains(sha256, published);
        }
        // Each message has its envelope beside it.
        Assert.Equal(files, Directory.GetFiles(Path.Combine(maildir, "envelope"), "*.json").Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));

        // Python's mailbox.Maildir reads the archive: the same messages, byte for byte, each parsed with its Subject.
        var python = await Python.RunAsync("""
            import hashlib, mailbox, sys
            box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
            for key in box.keys():
                data = box.get_bytes(key)
                msg = box.get_message(key)
                print(hashlib.sha256(data).hexdigest(), msg['Subject'] is not None)
            """, [maildir], Wait);
        var lines = python.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(accepted.Count, lines.Length);
        Assert.Equal(accepted.Keys.Order(StringComparer.Ordinal), lines.Select(line => line.Split(' ')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_broker_down_gives_451_at_MAIL_and_nothing_is_received()
    {
        using var temp = new TempDirectory();
        var feed = Archive.WriteFeedConfig(temp, Archive.FreePort());
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, "sink_deadline_seconds: 3\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--feed-config", feed, "--maildir", temp.File("archive"));

        // Refused at MAIL (issue 18), once the publisher's first connection attempt has failed: the archive gets nothing either.
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("451 4.4.3", await client.MailUntilAsync("451", TimeSpan.FromSeconds(10)));

        await collector.StopCleanlyAsync(Wait);
        Assert.DoesNotContain(collector.Output.Split('\n'), l => l.Contains(" SmtpCollector.Messages: ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(temp.File("archive/new")) && Directory.EnumerateFiles(temp.File("archive/new")).Any());
    }

    [Fact]
    public async Task An_unwritable_archive_gives_451_4_3_0_with_a_clear_log_line_and_recovers_without_a_restart()
    {
        await using var feedBroker = await FeedBroker.StartAsync();
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        var feed = Archive.WriteFeedConfig(temp, feedBroker.Broker.Port);
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--maildir", maildir);
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Archive.Message(0), "v@trap.example"))[0]);

        // The tests run as root, whom permissions do not stop: a file where tmp/ should be makes it unwritable for anyone.
        var tmp = Path.Combine(maildir, "tmp");
        Directory.Delete(tmp);
        await File.WriteAllTextAsync(tmp, "not a folder");
        var refused = Archive.Message(1);
        Assert.StartsWith("451 4.3.0", (await client.DeliverAsync(refused, "v@trap.example"))[0]);
        Assert.DoesNotContain(Archive.Sha256(refused), Archive.Read(maildir).BySha256.Keys);
        // The log line goes through Akka's logger, which may write it after the reply went out.
        Assert.True(await Archive.WaitUntilAsync(() => collector.Output.Split('\n').Any(l => l.Contains("to maildir:", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal)), Wait),
            "no log line about the archive failing");

        File.Delete(tmp);
        var later = Archive.Message(2);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(later, "v@trap.example"))[0]);
        Assert.Contains(Archive.Sha256(later), Archive.Read(maildir).BySha256.Keys);
    }

    [Fact]
    public async Task A_full_disk_gives_451_4_3_0_and_leaves_no_half_written_message()
    {
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        Directory.CreateDirectory(maildir);
        // A 512 KiB file system of its own (the tests run as root, as the end-to-end tests with Postfix do).
        Assert.Equal(0, await RunAsync("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", maildir));
        try
        {
            await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{temp.File("messages.jsonl")}", "--maildir", maildir);
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            var stored = new Dictionary<string, byte[]>();
            string? refusal = null;
            for (var i = 0; i < 20 && refusal is null; i++)
            {
                var message = Archive.Message(i, 100_000);
                var reply = (await client.DeliverAsync(message, "v@trap.example"))[0];
                if (reply.StartsWith("250 2.0.0", StringComparison.Ordinal))
                    stored[Archive.Sha256(message)] = message;
                else
                    refusal = reply;
            }
            Assert.NotNull(refusal);
            Assert.StartsWith("451 4.3.0", refusal);
            Assert.NotEmpty(stored);
            Assert.True(await Archive.WaitUntilAsync(() => collector.Output.Contains("No space left on device", StringComparison.Ordinal), Wait), "no log line about the full disk");
            var (archived, files) = Archive.Read(maildir);
            Assert.Equal(stored.Count, files);
            foreach (var (sha256, bytes) in stored)
                Assert.True(archived.TryGetValue(sha256, out var kept) && kept.AsSpan().SequenceEqual(bytes), $"{sha256} not whole in the archive");
            await collector.StopCleanlyAsync(Wait);
        }
        finally
        {
            await RunAsync("umount", maildir);
        }
    }

    private static async Task<int> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        using var deadline = new CancellationTokenSource(Wait);
        await process.WaitForExitAsync(deadline.Token);
        return process.ExitCode;
    }
}
