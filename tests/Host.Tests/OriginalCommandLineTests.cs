using SmtpCollector.Host.Cli;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The original collector's command line, <c>lmtp -p PORT -f feed_config.yml -m DIR</c>, means what it meant there.</summary>
public sealed class OriginalCommandLineTests
{
    [Fact]
    public async Task Port_feed_config_and_maildir_flags_run_the_collector_as_the_original_did()
    {
        await using var feedBroker = await FeedBroker.StartAsync();
        using var temp = new TempDirectory();
        var feed = Archive.WriteFeedConfig(temp, feedBroker.Broker.Port);
        var maildir = temp.File("maildir");
        var port = Archive.FreePort();

        await using var collector = await CollectorProcess.StartAsync("-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", feed, "-m", maildir);

        Assert.Equal(port, collector.EndPoint.Port);
        await using var client = await LmtpClient.OpenAsync(collector.EndPoint);
        var message = Archive.Message(7);
        Assert.StartsWith("250 2.0.0", (await client.DeliverAsync(message, "v@trap.example"))[0]);
        var frame = Assert.Single(await feedBroker.Subscriber.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(message, Archive.Bytes(frame.Payload));
        Assert.Equal(message, Assert.Single(Archive.Read(maildir).BySha256.Values));
    }

    [Fact]
    public void Port_keeps_the_configured_host_and_the_defaults_stay_ours()
    {
        var defaults = LmtpCommand.LoadOptions(null, null, null, port: 24, maildir: "archive");
        Assert.Equal(("127.0.0.1", 24), (defaults.Lmtp.Host, defaults.Lmtp.Port));
        Assert.Equal("archive", defaults.Archive?.Directory);
        Assert.Equal(SinkKind.File, defaults.Sink.Kind);

        using var temp = new TempDirectory();
        var config = temp.File("collector.yml");
        File.WriteAllText(config, "listen: \"[::1]:2424\"\narchive: maildir:/var/archive\n");
        var fromFile = LmtpCommand.LoadOptions(new FileInfo(config), null, null, port: 10024);
        Assert.Equal(("::1", 10024), (fromFile.Lmtp.Host, fromFile.Lmtp.Port));
        Assert.Equal("/var/archive", fromFile.Archive?.Directory);
    }

    [Fact]
    public async Task Help_says_which_flags_come_from_the_original()
    {
        var (exit, output) = await CollectorProcess.RunToEndAsync("lmtp", "--help");

        Assert.Equal(0, exit);
        foreach (var flag in new[] { "-f, --feed-config", "-p, --port", "-m, --maildir" })
            Assert.Contains(output.Split('\n'), line => line.Contains(flag, StringComparison.Ordinal) && line.Contains("[from the original]", StringComparison.Ordinal));
        Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("  -s, --sink", StringComparison.Ordinal) && line.Contains("[from the original]", StringComparison.Ordinal));
    }
}
