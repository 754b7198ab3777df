using SmtpCollector.Host.Cli;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The archive, retention and summary keys, and the replay command's own arguments.</summary>
public sealed class ArchiveConfigTests
{
    [Fact]
    public void Archive_keys_become_the_archive_options()
    {
        var config = ConfigLoader.Parse("archive: maildir:/srv/archive\narchive_max_age_days: 30\narchive_max_bytes: 1000000\nsummary: true\n", "c.yml");
        var options = CollectorOptions.From(config, "c.yml");

        Assert.Equal("/srv/archive", options.Archive?.Directory);
        Assert.Equal(TimeSpan.FromDays(30), options.Archive?.Retention.MaxAge);
        Assert.Equal(1_000_000, options.Archive?.Retention.MaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Archive?.Retention.Interval);
        Assert.True(options.Summary);
        Assert.Null(CollectorOptions.From(new CollectorConfig(), "defaults").Archive);
    }

    [Theory]
    [InlineData("archive: /srv/archive\n", "c.yml: archive '/srv/archive' is not maildir:DIR")]
    [InlineData("archive: 'maildir:'\n", "is not maildir:DIR")]
    [InlineData("archive_max_bytes: 10\n", "archive_max_age_days and archive_max_bytes need archive: maildir:DIR")]
    [InlineData("archive: maildir:a\narchive_max_age_days: 0\n", "archive_max_age_days must be above 0")]
    [InlineData("archive: maildir:a\narchive_max_bytes: -1\n", "archive_max_bytes must be positive")]
    [InlineData("archive: maildir:a\narchive_retention_interval_seconds: 0\n", "archive_retention_interval_seconds must be between")]
    public void Invalid_archive_settings_are_refused_with_their_key(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => CollectorOptions.From(ConfigLoader.Parse(yaml, "c.yml"), "c.yml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_value_names_the_file_line_and_column()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("listen: 127.0.0.1:24\narchive_max_bytes: lots\n", "c.yml"));
        Assert.StartsWith("c.yml:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("archive_max_bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-12-05T10:00:00Z", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05 10:00", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05T11:00:00+01:00", "2026-12-05T10:00:00+00:00")]
    public void Replay_times_are_utc_unless_they_carry_an_offset(string given, string utc)
    {
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), ReplayCommand.Time(given, "--since"));
    }

    [Fact]
    public async Task Replay_refuses_a_bad_time_with_exit_status_2()
    {
        using var temp = new TempDirectory();
        var feed = Archive.WriteFeedConfig(temp, 10000);
        var (exit, output) = await CollectorProcess.RunToEndAsync("replay", "-m", temp.Path, "-f", feed, "--since", "yesterday");

        Assert.Equal(2, exit);
        Assert.Contains("--since 'yesterday' is not a time", output, StringComparison.Ordinal);
    }
}
