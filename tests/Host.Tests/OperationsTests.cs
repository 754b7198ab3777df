using System.Net;
using System.Text;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The real program's HTTP endpoint: /metrics counts exactly what happened, /readyz and `health` follow the broker.</summary>
public sealed class OperationsTests
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("Subject: counted\r\n\r\nbody\r\n");

    [Fact]
    public async Task After_a_known_sequence_of_deliveries_each_counter_has_exactly_the_expected_value()
    {
        using var temp = new TempDirectory();
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, "domains: [trap.example]\nmax_message_bytes: 10000\n");
        var http = MetricsScrape.FreePort();
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--sink", $"file:{temp.File("m.jsonl")}", "--http", $"127.0.0.1:{http}");

        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
        {
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message, "a@trap.example", "b@trap.example"))[0]);
            await client.SendAsync("MAIL FROM:<s@example.net> SIZE=20000\r\n");
            Assert.StartsWith("552 5.3.4", await client.ReadReplyAsync());
            await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<x@other.example>\r\nRSET\r\n");
            await client.ExpectAsync("250");
            Assert.StartsWith("550 5.1.2", await client.ReadReplyAsync());
            await client.ExpectAsync("250");
            await client.SendAsync("MAIL FROM:no-brackets\r\n");
            Assert.StartsWith("501", await client.ReadReplyAsync());
            await client.SendAsync("QUIT\r\n");
            await client.ExpectAsync("221");
        }

        var metrics = await MetricsScrape.GetAsync(http, "/metrics");
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_messages_received_total", "source=lmtp"));
        Assert.Equal(Message.Length, MetricsScrape.Sum(metrics, "smtp_collector_received_bytes_total", "source=lmtp"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_messages_stored_total", "source=lmtp", "sink=file"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_messages_not_stored_total"));
        // 250 2.0.0: one per recipient of the stored message, and the RSET's.
        Assert.Equal(3, MetricsScrape.Sum(metrics, "smtp_collector_lmtp_replies_total", "code=250", "enhanced=2.0.0", "reason=ok"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_lmtp_replies_total", "reason=size"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_lmtp_replies_total", "reason=domain"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_lmtp_replies_total", "reason=syntax"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_sink_duration_seconds_count", "source=lmtp"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_lmtp_sessions"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_in_flight_bytes"));
        Assert.Equal(268_435_456, MetricsScrape.Sum(metrics, "smtp_collector_in_flight_limit_bytes"));
        Assert.Contains("dotnet_gc_collections_total", metrics, StringComparison.Ordinal); // the runtime's own
        // A scrape is not news: the log has the messages, not ASP.NET Core's lines about each request.
        Assert.DoesNotContain("Microsoft.AspNetCore", collector.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spooled_and_archived_messages_and_bytes_are_counted_and_the_status_shows_the_spool_and_the_archive()
    {
        using var temp = new TempDirectory();
        await using var broker = await FeedBroker.StartAsync();
        var feed = temp.File("feed.yml");
        await File.WriteAllTextAsync(feed, $"broker: 127.0.0.1\nport: {broker.Broker.Port}\nidentity: writer\nsecret: secret\nchannels: [spam.mails]\n"
            + $"max_payload_bytes: 2000\noversize: spool\nspool_directory: {temp.File("spool")}\n");
        var http = MetricsScrape.FreePort();
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--maildir", temp.File("archive"), "--http", $"127.0.0.1:{http}");
        var large = Encoding.ASCII.GetBytes("Subject: large\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 60)));
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
        {
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(Message, "a@trap.example"))[0]);
            Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(large, "a@trap.example"))[0]);
        }

        var metrics = await MetricsScrape.GetAsync(http, "/metrics");
        Assert.Equal(2, MetricsScrape.Sum(metrics, "smtp_collector_messages_archived_total"));
        Assert.Equal(Message.Length + large.Length, MetricsScrape.Sum(metrics, "smtp_collector_archived_bytes_total"));
        Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_messages_spooled_total"));
        Assert.Equal(large.Length, MetricsScrape.Sum(metrics, "smtp_collector_spooled_bytes_total"));

        // The sizes on disk are measured in the background: the first look may not have them yet.
        System.Text.Json.JsonElement status = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            status = System.Text.Json.JsonDocument.Parse(await MetricsScrape.GetAsync(http, "/api/status")).RootElement;
            if (status.GetProperty("archive").GetProperty("bytes_on_disk").ValueKind == System.Text.Json.JsonValueKind.Number
                && status.GetProperty("spool").GetProperty("bytes_on_disk").ValueKind == System.Text.Json.JsonValueKind.Number)
                break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        var archive = status.GetProperty("archive");
        Assert.Equal(temp.File("archive"), archive.GetProperty("directory").GetString());
        Assert.Equal(2, archive.GetProperty("messages_since_start").GetInt64());
        Assert.Equal(4, archive.GetProperty("files_on_disk").GetInt64()); // each message and its envelope
        Assert.InRange(archive.GetProperty("bytes_on_disk").GetInt64(), Message.Length + large.Length, 2 * (Message.Length + large.Length) + 4096);
        var spool = status.GetProperty("spool");
        Assert.Equal(1, spool.GetProperty("messages_since_start").GetInt64());
        Assert.Equal(1, spool.GetProperty("files_on_disk").GetInt64());
        Assert.Equal(large.Length, spool.GetProperty("bytes_on_disk").GetInt64());
        var page = await MetricsScrape.GetAsync(http, "/");
        Assert.Contains($"<div class=\"card\" id=\"archive\"><h2>Archive {temp.File("archive")}</h2>", page, StringComparison.Ordinal);
        Assert.Contains("1 messages, 0.0 MB written since the start", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_broker_down_mail_gets_451_at_MAIL_nothing_is_received_and_the_collector_is_not_ready()
    {
        using var temp = new TempDirectory();
        var feed = temp.File("feed_config.yml");
        await File.WriteAllTextAsync(feed, $"broker: \"127.0.0.1\"\nport: {MetricsScrape.FreePort()}\nidentity: \"writer\"\nsecret: \"secret\"\nchannels: [\"spam.mails\"]\n");
        var config = temp.File("collector.yml");
        await File.WriteAllTextAsync(config, "sink_deadline_seconds: 1\n");
        var http = MetricsScrape.FreePort();
        await using var collector = await CollectorProcess.StartAsync("--config", config, "--feed-config", feed, "--http", $"127.0.0.1:{http}");

        // Refused at MAIL (issue 18), once the publisher's first connection attempt has failed: no body is sent at all.
        await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            Assert.StartsWith("451 4.4.3", await client.MailUntilAsync("451", TimeSpan.FromSeconds(10)));

        // The refusal comes at once (no sink deadline to wait for), possibly before the HTTP endpoint has started.
        Assert.True(await MetricsScrape.BecomesAsync(http, "/healthz", HttpStatusCode.OK, TimeSpan.FromSeconds(30)));
        var metrics = await MetricsScrape.GetAsync(http, "/metrics");
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_messages_received_total", "source=lmtp"));
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_messages_stored_total"));
        Assert.True(MetricsScrape.Sum(metrics, "smtp_collector_lmtp_replies_total", "reason=sink_unavailable") >= 1);
        Assert.Equal(0, MetricsScrape.Sum(metrics, "smtp_collector_broker_connected"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await MetricsScrape.StatusAsync(http, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, await MetricsScrape.StatusAsync(http, "/healthz"));
        var (exit, output) = await CollectorProcess.RunToEndAsync("health", "--http", $"127.0.0.1:{http}");
        Assert.True(exit == 1, output);
    }

    [Fact]
    public async Task Readyz_and_health_follow_the_broker_going_away_and_coming_back()
    {
        var brokerPort = MetricsScrape.FreePort();
        var broker = await TestBroker.HpfeedsBroker.StartAsync(Accounts(brokerPort));
        using var temp = new TempDirectory();
        var feed = temp.File("feed_config.yml");
        await File.WriteAllTextAsync(feed, $"broker: \"127.0.0.1\"\nport: {brokerPort}\nidentity: \"writer\"\nsecret: \"secret\"\nchannels: [\"spam.mails\"]\nmax_backoff_seconds: 1\n");
        var http = MetricsScrape.FreePort();
        await using var collector = await CollectorProcess.StartAsync("--feed-config", feed, "--http", $"127.0.0.1:{http}");
        try
        {
            Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(15)), collector.Output);
            Assert.Equal(0, (await CollectorProcess.RunToEndAsync("health", "--http", $"http://127.0.0.1:{http}")).ExitCode);

            await broker.DisposeAsync();
            Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15)), collector.Output);
            Assert.Equal(1, (await CollectorProcess.RunToEndAsync("health", "--http", $"127.0.0.1:{http}")).ExitCode);

            broker = await TestBroker.HpfeedsBroker.StartAsync(Accounts(brokerPort));
            Assert.True(await MetricsScrape.BecomesAsync(http, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(15)), collector.Output);
            var metrics = await MetricsScrape.GetAsync(http, "/metrics");
            Assert.Equal(1, MetricsScrape.Sum(metrics, "smtp_collector_broker_connected", $"broker=127.0.0.1:{brokerPort}"));
            Assert.True(MetricsScrape.Sum(metrics, "smtp_collector_broker_connections_total") >= 2);
            Assert.True(MetricsScrape.Sum(metrics, "smtp_collector_broker_errors_total") >= 1);
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    private static TestBroker.BrokerOptions Accounts(int port) => new()
    {
        Port = port,
        Accounts = [new TestBroker.BrokerAccount("writer", "secret", ["spam.mails"], [])],
    };
}
