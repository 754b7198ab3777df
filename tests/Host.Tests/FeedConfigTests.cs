using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

public sealed class FeedConfigTests
{
    [Fact]
    public void The_originals_feed_config_reads_as_it_is()
    {
        var settings = FeedOptions.From(ConfigLoader.Parse<FeedConfig>("""
            ---  # Broker config
              broker: "127.0.0.1"
              port: 10_000
              identity: "writer"
              secret: "secret"
              channels:
                - "spam.mails"
            """, "feed_config.yml"), "feed_config.yml");

        Assert.Equal(("127.0.0.1", 10000, "writer", "secret"), (settings.Host, settings.Port, settings.Ident, settings.Secret));
        Assert.Equal(["spam.mails"], settings.Channels);
        Assert.False(settings.Tls);
        Assert.False(settings.Envelope);
        Assert.Equal(1_048_558, settings.MaxPayloadBytes);
        Assert.Equal(OversizePolicy.Spool, settings.Oversize);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.BrokerTimeout);
    }

    [Fact]
    public void The_broker_timeout_is_an_option()
    {
        var settings = FeedOptions.From(ConfigLoader.Parse<FeedConfig>("broker: b\nidentity: i\nchannels: [c]\nsecret: s\nbroker_timeout_seconds: 5\n", "f.yml"), "f.yml");

        Assert.Equal(TimeSpan.FromSeconds(5), settings.BrokerTimeout);
    }

    [Fact]
    public void The_secret_comes_from_an_environment_variable_or_a_file_and_never_shows_in_errors()
    {
        using var temp = new TempDirectory();
        var file = temp.File("secret");
        File.WriteAllText(file, "from-file\n");
        var fromFile = FeedOptions.From(ConfigLoader.Parse<FeedConfig>($"broker: b\nidentity: i\nchannels: [c]\nsecret_file: {file}\n", "f.yml"), "f.yml");
        Assert.Equal("from-file", fromFile.Secret);

        Environment.SetEnvironmentVariable("SMTP_COLLECTOR_TEST_SECRET", "from-env");
        var fromEnv = FeedOptions.From(ConfigLoader.Parse<FeedConfig>("broker: b\nidentity: i\nchannels: [c]\nsecret_env: SMTP_COLLECTOR_TEST_SECRET\n", "f.yml"), "f.yml");
        Assert.Equal("from-env", fromEnv.Secret);
        Assert.DoesNotContain("from-env", fromEnv.ToString(), StringComparison.Ordinal);

        var twice = Assert.Throws<ConfigException>(() => FeedOptions.From(
            ConfigLoader.Parse<FeedConfig>("broker: b\nidentity: i\nchannels: [c]\nsecret: s3cr3t-value\nsecret_env: X\n", "f.yml"), "f.yml"));
        Assert.DoesNotContain("s3cr3t-value", twice.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("identity: i\nchannels: [c]\nsecret: s\n", "broker is missing")]
    [InlineData("broker: b\nidentity: i\nchannels: []\nsecret: s\n", "channels must list")]
    [InlineData("broker: b\nidentity: i\nchannels: [c]\nsecret: s\noversize: drop\n", "oversize 'drop'")]
    [InlineData("broker: b\nidentity: i\nchannels: [c]\nsecret: s\nport: 99999\n", "port '99999'")]
    [InlineData("broker: b\nidentity: i\nchannels: [c]\nsecret: s\nbroker_timeout_seconds: 0\n", "broker_timeout_seconds must be")]
    public void Mistakes_are_named(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => FeedOptions.From(ConfigLoader.Parse<FeedConfig>(yaml, "f.yml"), "f.yml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
