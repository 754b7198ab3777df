using System.Runtime.InteropServices;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>The syncs .NET has no API for: fsync(2) on a directory and syncfs(2).</summary>
internal static partial class DiskSync
{
    private const int ReadOnly = 0;
    private const int DirectoryFlag = 0x10000;

    /// <summary>Makes the names created in the directory durable.</summary>
    public static void Directory(string directory) => WithDirectory(directory, "fsync", Fsync);

    /// <summary>
    /// Makes everything written to the file system that holds the directory durable, in one call: for a batch of many
    /// files the journal commits once, where a sync per file commits once per file (bench/README.md, "The archive").
    /// It also flushes what other programs wrote to the same file system, which a busy shared disk makes slower.
    /// </summary>
    public static void FileSystem(string directory) => WithDirectory(directory, "syncfs", Syncfs);

    private static void WithDirectory(string directory, string call, Func<int, int> sync)
    {
        var fd = Open(directory, ReadOnly | DirectoryFlag);
        if (fd < 0)
            throw new IOException($"open({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (sync(fd) != 0)
                throw new IOException($"{call}({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
