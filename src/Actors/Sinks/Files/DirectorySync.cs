using System.Runtime.InteropServices;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>fsync(2) on a directory, which .NET has no API for: it makes the names created in it durable.</summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int DirectoryFlag = 0x10000;

    public static void Sync(string directory)
    {
        var fd = Open(directory, ReadOnly | DirectoryFlag);
        if (fd < 0)
            throw new IOException($"open({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
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

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
