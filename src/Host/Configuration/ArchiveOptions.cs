using SmtpCollector.Actors.Sinks.Archive;

namespace SmtpCollector.Host.Configuration;

/// <summary>The local archive (<c>archive: maildir:DIR</c> or <c>--maildir DIR</c>) and its retention limits.</summary>
public sealed record ArchiveOptions(string Directory, ArchiveRetentionSettings Retention)
{
    public static ArchiveOptions? From(CollectorConfig config, string source)
    {
        if (config.Archive is null)
        {
            if (config.ArchiveMaxAgeDays is not null || config.ArchiveMaxBytes is not null)
                throw new ConfigException($"{source}: archive_max_age_days and archive_max_bytes need archive: maildir:DIR");
            return null;
        }
        const string scheme = "maildir:";
        if (!config.Archive.StartsWith(scheme, StringComparison.Ordinal) || config.Archive.Length == scheme.Length)
            throw new ConfigException($"{source}: archive '{config.Archive}' is not maildir:DIR");
        if (config.ArchiveMaxAgeDays is { } days && days is <= 0 or > 36_500)
            throw new ConfigException($"{source}: archive_max_age_days must be above 0 and at most 36500, is {days}");
        if (config.ArchiveMaxBytes is { } bytes && bytes < 1)
            throw new ConfigException($"{source}: archive_max_bytes must be positive, is {bytes}");
        if (config.ArchiveRetentionIntervalSeconds is <= 0 or > 86_400)
            throw new ConfigException($"{source}: archive_retention_interval_seconds must be between 0 and 86400 seconds, is {config.ArchiveRetentionIntervalSeconds}");
        return new ArchiveOptions(config.Archive[scheme.Length..], new ArchiveRetentionSettings(
            config.ArchiveMaxAgeDays is { } age ? TimeSpan.FromDays(age) : null,
            config.ArchiveMaxBytes,
            TimeSpan.FromSeconds(config.ArchiveRetentionIntervalSeconds)));
    }
}
