namespace SmtpCollector.Host.Hosting;

/// <summary>
/// The size of a directory tree (the archive, the spool) for the status page. Measured off the request's thread and at
/// most once a <see cref="MaxAge"/>: an archive of months is hundreds of thousands of files, and the page refreshes
/// itself every few seconds. A request gets the last measurement (none before the first is done) and starts the next
/// when it is due.
/// </summary>
public sealed class DirectorySize(string path)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private DirectoryUsage? _last;
    private DateTime _measured = DateTime.MinValue;
    private bool _measuring;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The last measurement, or null before the first; measures again in the background when it is older than <see cref="MaxAge"/>.</summary>
    public DirectoryUsage? Current()
    {
        lock (_lock)
        {
            if (!_measuring && DateTime.UtcNow - _measured > MaxAge)
            {
                _measuring = true;
                _ = Task.Run(Measure);
            }
            return _last;
        }
    }

    private void Measure()
    {
        long files = 0, bytes = 0;
        try
        {
            foreach (var file in new DirectoryInfo(Path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            {
                try
                {
                    bytes += file.Length;
                    files++;
                }
                catch (FileNotFoundException)
                {
                    // Removed since the listing (retention, a replayed spool file): not there, so not counted.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not there yet (nothing spooled so far) or not readable: what was counted, and measured again next time.
        }
        lock (_lock)
        {
            _last = new DirectoryUsage(files, bytes, DateTimeOffset.UtcNow);
            _measured = DateTime.UtcNow;
            _measuring = false;
        }
    }
}

/// <summary>Files and bytes in a directory tree, as measured at <paramref name="Measured"/>.</summary>
public sealed record DirectoryUsage(long Files, long Bytes, DateTimeOffset Measured);
