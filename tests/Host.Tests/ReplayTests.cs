using System.Globalization;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary><c>smtp-collector replay</c>: archived messages published again for a subscriber that was away.</summary>
public sealed class ReplayTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_subscriber_absent_while_200_messages_were_published_gets_all_200_from_replay_since()
    {
        await using var broker = await Archive.StartBrokerAsync();
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        var feed = Archive.WriteFeedConfig(temp, broker.Port);
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--maildir", maildir);

        // One message before the outage: not to be replayed.
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Archive.Message(-1), "v@trap.example"))[0]);
        var outageStart = DateTimeOffset.UtcNow;

        var sent = new Dictionary<string, byte[]>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200).Chunk(50), async (share, _) =>
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            foreach (var i in share)
            {
                var message = Archive.Message(i, 1_000 + i * 37);
                Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "v@trap.example"))[0]);
                lock (sent)
                    sent[Archive.Sha256(message)] = message;
            }
        });
        // Published, confirmed by the broker, and dropped there: nobody was subscribed.
        Assert.Equal(201, broker.PublishesReceived("spam.mails"));

        await using var subscriber = await Archive.SubscribeAsync(broker);
        var (exit, output) = await CollectorProcess.RunToEndAsync("replay", "--maildir", maildir,
            "--since", outageStart.ToString("o", CultureInfo.InvariantCulture), "-f", feed);

        Assert.True(exit == 0, output);
        Assert.Contains("replay: 200/200 published, 0 not published, 0 missing, 0 to go", output, StringComparison.Ordinal);
        var frames = await subscriber.WaitForAsync(200, Wait);
        var received = frames.Select(frame => Archive.Bytes(frame.Payload)).ToList();
        Assert.Equal(200, received.Select(Archive.Sha256).Distinct().Count());
        foreach (var bytes in received)
        {
            Assert.True(sent.TryGetValue(Archive.Sha256(bytes), out var original), "a message replayed that was not sent in the outage");
            Assert.True(original.AsSpan().SequenceEqual(bytes));
        }
        foreach (var frame in frames)
        {
            var json = System.Text.Json.JsonDocument.Parse(frame.Payload).RootElement;
            Assert.Equal(Archive.Sha256(Archive.Bytes(frame.Payload)), json.GetProperty("sha256").GetString());
        }
    }

    [Fact]
    public async Task Since_and_until_select_exactly_the_messages_received_between_them()
    {
        await using var broker = await Archive.StartBrokerAsync();
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        var feed = Archive.WriteFeedConfig(temp, broker.Port);
        var batches = new List<List<string>>();
        var marks = new List<DateTimeOffset>();
        await using (var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--maildir", maildir))
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            var number = 0;
            foreach (var size in new[] { 5, 7, 4 })
            {
                var batch = new List<string>();
                for (var i = 0; i < size; i++)
                {
                    var message = Archive.Message(number++);
                    Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "v@trap.example"))[0]);
                    batch.Add(Archive.Sha256(message));
                }
                batches.Add(batch);
                marks.Add(DateTimeOffset.UtcNow);
            }
        }

        await using var subscriber = await Archive.SubscribeAsync(broker);
        // Three replays one after the other: the broker forwards in order, so a message too many in one would come before
        // the next replay's and be seen.
        await ReplayAsync(["--since", Iso(marks[0]), "--until", Iso(marks[1])], expected: batches[1], before: 0);
        await ReplayAsync(["--since", Iso(marks[1])], expected: batches[2], before: 7);
        // With --summary the payload carries what the collector with summary: true would have added.
        await ReplayAsync(["--until", Iso(marks[0]), "--summary"], expected: batches[0], before: 11);
        var summaries = subscriber.Received.Skip(11).Select(frame => System.Text.Json.JsonDocument.Parse(frame.Payload).RootElement.GetProperty("summary"));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"archive test {i}"), summaries.Select(summary => summary.GetProperty("subject").GetString()));

        async Task ReplayAsync(string[] window, List<string> expected, int before)
        {
            var (exit, output) = await CollectorProcess.RunToEndAsync(["replay", "-m", maildir, "-f", feed, .. window]);
            Assert.True(exit == 0, output);
            var frames = await subscriber.WaitForAsync(before + expected.Count, Wait);
            Assert.Equal(expected, frames.Skip(before).Select(frame => Archive.Sha256(Archive.Bytes(frame.Payload))));
        }
    }

    [Fact]
    public async Task Replay_with_the_broker_down_exits_1_and_says_where_to_start_again()
    {
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        await using (var broker = await Archive.StartBrokerAsync())
        {
            var live = Archive.WriteFeedConfig(temp, broker.Port);
            await using var collector = await CollectorProcess.StartAsync("--feed-config", live, "--maildir", maildir);
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Archive.Message(1), "v@trap.example"))[0]);
        }
        var down = Archive.WriteFeedConfig(temp, Archive.FreePort(), "down.yml");

        var (exit, output) = await CollectorProcess.RunToEndAsync("replay", "-m", maildir, "-f", down, "--deadline-seconds", "2");

        Assert.True(exit == 1, output);
        Assert.Contains("replay: 0/1 published, 1 not published", output, StringComparison.Ordinal);
        Assert.Contains("to go on: --since ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replay_stopped_by_sigterm_says_where_it_got_to_and_that_line_starts_it_again()
    {
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        await using var broker = await Archive.StartBrokerAsync();
        var live = Archive.WriteFeedConfig(temp, broker.Port);
        await using (var collector = await CollectorProcess.StartAsync("--feed-config", live, "--maildir", maildir))
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
            for (var i = 0; i < 3; i++)
                Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Archive.Message(i), "v@trap.example"))[0]);
        }
        // A broker that is not there: every message waits in the publisher for its 60 s deadline, unless stopped.
        var down = Archive.WriteFeedConfig(temp, Archive.FreePort(), "down.yml");
        await using var replay = CollectorProcess.Run("replay", "-m", maildir, "-f", down);
        await replay.WaitForLineAsync("replay: 3 messages", TimeSpan.FromSeconds(30));

        await replay.SignalAsync("TERM");

        Assert.Equal(1, await replay.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(replay.Output.Contains("replay: interrupted: 0/3 published", StringComparison.Ordinal), replay.Output);
        var since = System.Text.RegularExpressions.Regex.Match(replay.Output, "to go on: --since (\\S+)");
        Assert.True(since.Success, replay.Output);
        await using var subscriber = await Archive.SubscribeAsync(broker);
        var (exit, output) = await CollectorProcess.RunToEndAsync("replay", "-m", maildir, "-f", live, "--since", since.Groups[1].Value);
        Assert.True(exit == 0, output);
        Assert.Contains("replay: 3/3 published", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_payload_is_byte_for_byte_the_one_first_published_envelope_and_all()
    {
        await using var broker = await Archive.StartBrokerAsync();
        await using var subscriber = await Archive.SubscribeAsync(broker);
        using var temp = new TempDirectory();
        var maildir = temp.File("archive");
        var feed = Archive.WriteFeedConfig(temp, broker.Port);
        await File.AppendAllTextAsync(feed, "\nenvelope: true\n");
        await using (var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--maildir", maildir))
        {
            await using var client = await LmtpClient.OpenAsync(collector.EndPoint, "lhlo.example");
            await client.SendAsync("XFORWARD ADDR=192.0.2.7 NAME=spammer.example HELO=bad.example\r\n");
            await client.ExpectAsync("250");
            Assert.All(await client.DeliverAsync(Archive.Message(3), "a@trap.example", "b@trap.example"), reply => Assert.StartsWith("250 2.0.0", reply));
        }

        var (exit, output) = await CollectorProcess.RunToEndAsync("replay", "-m", maildir, "-f", feed);

        Assert.True(exit == 0, output);
        var frames = await subscriber.WaitForAsync(2, Wait);
        Assert.Contains("\"client_address\":\"192.0.2.7\"", System.Text.Encoding.UTF8.GetString(frames[0].Payload.Span), StringComparison.Ordinal);
        Assert.True(frames[0].Payload.Span.SequenceEqual(frames[1].Payload.Span), "the replayed payload differs from the first");
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);
}
