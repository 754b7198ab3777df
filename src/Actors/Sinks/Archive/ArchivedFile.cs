namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>One message in the archive: its file (in <c>new/</c> or <c>cur/</c>), when it was archived, its size, its envelope file.</summary>
public sealed record ArchivedFile(string Path, string EnvelopePath, DateTimeOffset ArchivedAt, long Size)
{
    /// <summary>
    /// The archive's messages, oldest first. The time and size come from the name (no stat per file); a file named
    /// otherwise (put there by hand, say) is dated by its modification time.
    /// </summary>
    public static List<ArchivedFile> List(string directory)
    {
        var envelopes = System.IO.Path.Combine(directory, "envelope");
        var files = new List<(long Microseconds, long Delivery, string Name, ArchivedFile File)>();
        foreach (var folder in new[] { "new", "cur" })
        {
            var path = System.IO.Path.Combine(directory, folder);
            if (!Directory.Exists(path))
                continue;
            foreach (var file in Directory.EnumerateFiles(path))
            {
                var name = System.IO.Path.GetFileName(file);
                if (name.StartsWith('.'))
                    continue;
                var baseName = MaildirName.Base(name);
                long microseconds, delivery = 0, size;
                if (MaildirName.Parse(name) is { } parsed)
                {
                    (microseconds, delivery, size) = parsed;
                }
                else
                {
                    var info = new FileInfo(file);
                    if (!info.Exists)
                        continue;
                    microseconds = (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks / 10;
                    size = info.Length;
                }
                var archived = new ArchivedFile(file, System.IO.Path.Combine(envelopes, baseName + ".json"),
                    DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10), size);
                files.Add((microseconds, delivery, baseName, archived));
            }
        }
        return [.. files.OrderBy(f => f.Microseconds).ThenBy(f => f.Delivery).ThenBy(f => f.Name, StringComparer.Ordinal).Select(f => f.File)];
    }
}
