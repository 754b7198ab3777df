namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>How long and how much the archive keeps; null: no limit.</summary>
public sealed record ArchiveRetentionSettings(TimeSpan? MaxAge, long? MaxBytes, TimeSpan Interval)
{
    /// <summary>Keep everything.</summary>
    public static ArchiveRetentionSettings None { get; } = new(null, null, TimeSpan.FromMinutes(1));
}

/// <summary>What one pass of retention removed.</summary>
public sealed record RetentionPass(int Removed, long RemovedBytes, int Kept, long KeptBytes);

/// <summary>
/// Removes archived messages beyond the limits, oldest first: every one archived before now minus the maximum age,
/// then, while the rest add up to more than the maximum bytes (message sizes; the small envelope files are not
/// counted), the oldest of them. A message's envelope file goes with it.
/// </summary>
public static class ArchiveRetention
{
    public static RetentionPass Apply(string directory, ArchiveRetentionSettings settings, DateTimeOffset now)
    {
        var files = ArchivedFile.List(directory);
        var total = files.Sum(f => f.Size);
        var cutoff = settings.MaxAge is { } age ? now - age : DateTimeOffset.MinValue;
        int removed = 0, kept = 0;
        long removedBytes = 0;
        foreach (var file in files)
        {
            var tooOld = file.ArchivedAt < cutoff;
            var tooMuch = settings.MaxBytes is { } max && total > max;
            if (!tooOld && !tooMuch)
            {
                kept = files.Count - removed;
                break;
            }
            // Gone already (a mail reader moved it to cur/, or deleted it): it no longer counts either way.
            Delete(file.Path);
            Delete(file.EnvelopePath);
            total -= file.Size;
            removed++;
            removedBytes += file.Size;
        }
        return new RetentionPass(removed, removedBytes, kept, total);
    }

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
