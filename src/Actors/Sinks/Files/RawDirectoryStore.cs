using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>
/// Writes each message's exact bytes to <c>&lt;sha256&gt;.eml</c> in a directory: to a temporary name, synced, then renamed,
/// so a file under its final name is always whole. On commit the directory itself is synced, making the renames durable.
/// The same bytes have the same name, so a redelivered message is stored once.
/// </summary>
public sealed class RawDirectoryStore : IMessageStore
{
    private readonly string _directory;
    private readonly List<string> _written = [];

    public RawDirectoryStore(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Description = $"raw:{directory}";
    }

    public string Description { get; }

    public void Write(ReceivedMessage message)
    {
        var final = Path.Combine(_directory, message.Sha256 + ".eml");
        if (File.Exists(final))
            return;
        var temporary = Path.Combine(_directory, $".{message.Sha256}.{Environment.ProcessId}.tmp");
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            message.Body.WriteTo(file);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, final, overwrite: true);
        _written.Add(final);
    }

    public void Commit()
    {
        DiskSync.Directory(_directory);
        _written.Clear();
    }

    public void Rollback()
    {
        // Files already renamed are whole and correct; they are only unconfirmed. Keeping them is harmless
        // (a retry finds them under the same name), so nothing is removed.
        _written.Clear();
    }

    public void Dispose()
    {
    }
}
