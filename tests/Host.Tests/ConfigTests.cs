using SmtpCollector.Host.Cli;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void Every_option_is_read_from_yaml()
    {
        var config = ConfigLoader.Parse("""
            listen: 0.0.0.0:24
            hostname: trap-collector
            domains: [trap.example, bücher.example]
            sink: raw:/var/spool/trap
            envelope: false
            max_command_line_bytes: 1000
            max_message_bytes: 2048
            max_recipients: 7
            max_connections: 3
            command_idle_timeout_seconds: 10
            data_idle_timeout_seconds: 11
            message_deadline_seconds: 15
            sink_deadline_seconds: 12
            max_in_flight_bytes: 1048576
            in_flight_wait_seconds: 13
            shutdown_deadline_seconds: 14
            """, "test.yml");
        var options = CollectorOptions.From(config, "test.yml");

        Assert.Equal(("0.0.0.0", 24), (options.Lmtp.Host, options.Lmtp.Port));
        Assert.Equal("trap-collector", options.Lmtp.HostName);
        Assert.Equal(["trap.example", "xn--bcher-kva.example"], options.Lmtp.Domains.Domains);
        Assert.Equal(new SinkOptions(SinkKind.Raw, "/var/spool/trap", false), options.Sink);
        Assert.Equal(1000, options.Lmtp.Limits.MaxCommandLineBytes);
        Assert.Equal(2048, options.Lmtp.Limits.MaxMessageBytes);
        Assert.Equal(7, options.Lmtp.Limits.MaxRecipients);
        Assert.Equal(3, options.Lmtp.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Lmtp.CommandIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(11), options.Lmtp.DataIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Lmtp.MessageDeadline);
        Assert.Equal(TimeSpan.FromSeconds(12), options.Lmtp.SinkDeadline);
        Assert.Equal(1048576, options.Lmtp.MaxInFlightBytes);
        Assert.Equal(TimeSpan.FromSeconds(13), options.Lmtp.InFlightWait);
        Assert.Equal(TimeSpan.FromSeconds(14), options.Lmtp.ShutdownDeadline);
    }

    [Fact]
    public void With_no_configuration_it_listens_on_loopback_only()
    {
        var options = CollectorOptions.From(new CollectorConfig(), "defaults");

        Assert.Equal(("127.0.0.1", 2424), (options.Lmtp.Host, options.Lmtp.Port));
        Assert.True(System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(options.Lmtp.Host)));
    }

    [Fact]
    public void Unknown_key_names_the_file_line_and_key()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("listen: 127.0.0.1:2424\nmax_mesage_bytes: 10\n", "collector.yml"));
        Assert.StartsWith("collector.yml:2:1: unknown key 'max_mesage_bytes'", error.Message);
    }

    [Fact]
    public void Wrong_value_names_the_file_line_and_key()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("sink: file:x\nmax_recipients: lots\n", "collector.yml"));
        Assert.Contains("collector.yml:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("'max_recipients'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listen: nowhere\n", "listen 'nowhere' is not HOST:PORT")]
    [InlineData("sink: s3://bucket\n", "sink 's3://bucket' is not file:PATH or raw:DIR")]
    [InlineData("max_connections: 0\n", "max_connections must be at least 1")]
    [InlineData("domains: ['not a domain!']\n", "domains:")]
    public void Invalid_settings_are_refused_with_their_key(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => CollectorOptions.From(ConfigLoader.Parse(yaml, "c.yml"), "c.yml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_line_flags_override_the_file()
    {
        using var temp = new TempDirectory();
        var file = temp.File("c.yml");
        File.WriteAllText(file, "listen: 127.0.0.1:1\nsink: file:from-file.jsonl\n");
        var options = LmtpCommand.LoadOptions(new FileInfo(file), "127.0.0.1:2", "raw:from-flag");
        Assert.Equal(2, options.Lmtp.Port);
        Assert.Equal(new SinkOptions(SinkKind.Raw, "from-flag", true), options.Sink);
    }

    [Fact]
    public async Task A_bad_configuration_stops_the_program_before_it_binds_with_a_nonzero_exit()
    {
        using var temp = new TempDirectory();
        var file = temp.File("bad.yml");
        await File.WriteAllTextAsync(file, "listen: 127.0.0.1:0\nfrobnicate: yes\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("lmtp", "--config", file);
        Assert.NotEqual(0, exit);
        Assert.Contains($"{file}:2:1: unknown key 'frobnicate'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LMTP listening", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_the_lmtp_command_and_its_flags()
    {
        var (exit, output) = await CollectorProcess.RunToEndAsync("lmtp", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--config", output, StringComparison.Ordinal);
        Assert.Contains("--listen", output, StringComparison.Ordinal);
        Assert.Contains("--sink", output, StringComparison.Ordinal);
    }
}
