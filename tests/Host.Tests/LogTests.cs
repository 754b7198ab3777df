using System.Security.Cryptography;
using System.Text;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>What the operator reads on stdout: a UTC timestamp, the level and the category, one line per message.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task Each_delivered_message_is_one_line_on_stdout()
    {
        using var temp = new TempDirectory();
        await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{temp.File("messages.jsonl")}");
        var messages = Enumerable.Range(0, 3).Select(i => Encoding.ASCII.GetBytes($"Subject: log test {i}\r\n\r\nbody {i}\r\n")).ToList();
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
        {
            foreach (var message in messages)
                Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "x@trap.example"))[0]);
        }
        // After the exit every line the process wrote has been read.
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(60));

        var lines = collector.Output.Split('\n').Where(line => line.Contains(" SmtpCollector.Messages: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(messages.Count, lines.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(messages[i]));
            Assert.Matches(
                $@"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z INFO SmtpCollector\.Messages: message sha256={sha256} size={messages[i].Length} recipients=x@trap\.example peer=127\.0\.0\.1:\d+ client=- outcome=stored reply=250 2\.0\.0 subject=log test {i}$",
                lines[i]);
        }
    }

    [Fact]
    public async Task With_log_format_json_each_line_is_one_json_object_and_the_message_line_carries_its_fields()
    {
        using var temp = new TempDirectory();
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, "log_format: json\n");
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--sink", $"file:{temp.File("messages.jsonl")}");
        var message = Encoding.ASCII.GetBytes("Subject: json\r\n\r\nbody\r\n");
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "x@trap.example"))[0]);
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(60));

        var events = collector.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _)));
        var delivered = Assert.Single(events, e => e.TryGetProperty("SourceContext", out var c) && c.GetString() == "SmtpCollector.Messages");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(message)), delivered.GetProperty("Sha256").GetString());
        Assert.Equal(message.Length, delivered.GetProperty("Size").GetInt64());
        Assert.Equal("stored", delivered.GetProperty("Outcome").GetString());
        Assert.Equal(250, delivered.GetProperty("Code").GetInt32());
    }

    [Fact]
    public async Task A_broker_connection_reset_is_one_warning_and_one_info_on_reconnect_in_the_hpfeeds_category()
    {
        using var temp = new TempDirectory();
        await using var broker = await FeedBroker.StartAsync();
        var feed = temp.File("feed.yml");
        await File.WriteAllTextAsync(feed, $"broker: 127.0.0.1\nport: {broker.Broker.Port}\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\nmin_backoff_seconds: 0.1\nmax_backoff_seconds: 1\n");
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed);
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Encoding.ASCII.GetBytes("Subject: one\r\n\r\none\r\n"), "x@trap.example"))[0]);
        var before = collector.Output.Split('\n').Length;

        Assert.Equal(1, broker.Broker.ResetConnections("writer"));
        await collector.WaitForLineAsync("reconnected after", TimeSpan.FromSeconds(20));
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Encoding.ASCII.GetBytes("Subject: two\r\n\r\ntwo\r\n"), "x@trap.example"))[0]);
        // Stopped as planned: what the stop leaves undelivered is no news either.
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(60));

        var after = collector.Output.Split('\n').Skip(before).ToList();
        var port = broker.Broker.Port;
        var warning = Assert.Single(after, line => !line.Contains(" INFO ", StringComparison.Ordinal) && !line.Contains(" DBUG ", StringComparison.Ordinal));
        Assert.Matches($@"^\S+ WARN SmtpCollector\.Hpfeeds: broker 127\.0\.0\.1:{port} connection lost: read failed: .+; reconnecting with backoff \(0\.1 s to 1 s\)$", warning);
        var reconnected = Assert.Single(after, line => line.Contains(" SmtpCollector.Hpfeeds: ", StringComparison.Ordinal) && line.Contains(" INFO ", StringComparison.Ordinal));
        Assert.Matches($@"^\S+ INFO SmtpCollector\.Hpfeeds: broker 127\.0\.0\.1:{port} reconnected after \d+\.\d s; publishing resumes \(0 messages waiting\)$", reconnected);
        Assert.DoesNotContain(collector.Output.Split('\n'), line => line.Contains("Akka.Actor.ActorSystem", StringComparison.Ordinal)
            || line.Contains("dead letter", StringComparison.OrdinalIgnoreCase) || line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_gone_in_the_middle_of_a_message_is_one_warning_in_the_lmtp_category()
    {
        using var temp = new TempDirectory();
        await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{temp.File("messages.jsonl")}");
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
        {
            await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<x@trap.example>\r\nDATA\r\n");
            await client.ExpectAsync("250");
            await client.ExpectAsync("250");
            await client.ExpectAsync("354");
            await client.SendAsync("Subject: half\r\n\r\nthe first half");
        }
        var warning = await collector.WaitForLineAsync(" WARN ", TimeSpan.FromSeconds(20));
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(60));

        Assert.Matches(@"^\S+ WARN SmtpCollector\.Lmtp: client 127\.0\.0\.1:\d+ closed the connection in the middle of a message \(\d+ bytes received\): dropped, nothing stored for it", warning);
        var lines = collector.Output.Split('\n');
        Assert.Single(lines, line => !line.Contains(" INFO ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("dead letter", StringComparison.OrdinalIgnoreCase) || line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }
}
