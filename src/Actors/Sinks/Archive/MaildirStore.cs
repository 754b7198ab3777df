using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>
/// The archive: each message's exact bytes as a Maildir file, delivered as the specification says (written under
/// <c>tmp/</c>, synced, renamed into <c>new/</c>), its envelope beside it in <c>envelope/&lt;name&gt;.json</c>
/// (<see cref="ArchiveEnvelope"/>). Mail readers (mutt, Dovecot, Python's mailbox.Maildir) read <c>new/</c> and <c>cur/</c>
/// and ignore a folder called <c>envelope</c> (no leading dot: not a Maildir++ subfolder). A batch's files are all
/// written first and made durable by one sync of the file system (syncfs) on commit: a sync per file cost the journal
/// a commit per file (bench/README.md, "The archive"); then renamed into place, the names synced the same way, and
/// only then is the batch confirmed.
/// </summary>
public sealed class MaildirStore : IMessageStore
{
    private readonly List<Written> _written = [];
    private readonly List<string> _renamed = [];

    public MaildirStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        Description = $"maildir:{directory}";
    }

    public string Directory { get; }

    public string Description { get; }

    public string Tmp => Path.Combine(Directory, "tmp");

    public string New => Path.Combine(Directory, "new");

    public string Cur => Path.Combine(Directory, "cur");

    public string Envelopes => Path.Combine(Directory, "envelope");

    /// <summary>Makes the folders (with their parents). Done again before every batch, so that an archive made writable again works without a restart.</summary>
    public void Prepare()
    {
        foreach (var folder in new[] { Tmp, New, Cur, Envelopes })
            System.IO.Directory.CreateDirectory(folder);
    }

    public void Write(ReceivedMessage message)
    {
        if (_written.Count == 0)
            Prepare();
        var name = MaildirName.New(DateTimeOffset.UtcNow, message.Body.Length);
        // The envelope is renamed first: a message in new/ always has its envelope, so that a replay can rebuild its payload.
        _written.Add(Open(Path.Combine(Tmp, name + ".envelope"), Path.Combine(Envelopes, name + ".json"), file => file.Write(ArchiveEnvelope.ToJson(message))));
        _written.Add(Open(Path.Combine(Tmp, name), Path.Combine(New, name), message.Body.WriteTo));
    }

    public void Commit()
    {
        if (_written.Count == 0)
            return;
        // Two syncs of the file system per batch, whatever its size: the data before any name appears in new/ (the
        // Maildir rule: a reader never sees a file that a crash could leave short), then the names.
        DiskSync.FileSystem(Tmp);
        foreach (var written in _written)
        {
            written.File.Dispose();
            File.Move(written.Temporary, written.Final);
            _renamed.Add(written.Final);
        }
        _written.Clear();
        DiskSync.FileSystem(New);
        _renamed.Clear();
    }

    public void Rollback()
    {
        // The batch is answered 451 and comes again: what it left behind would be a second copy in the archive.
        foreach (var written in _written)
        {
            written.File.Dispose();
            TryDelete(written.Temporary);
        }
        foreach (var path in _renamed)
            TryDelete(path);
        _written.Clear();
        _renamed.Clear();
    }

    public void Dispose() => Rollback();

    /// <summary>The file written under tmp/ and left open, to be synced with the rest of the batch.</summary>
    private static Written Open(string temporary, string final, Action<FileStream> write)
    {
        var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        try
        {
            write(file);
            return new Written(file, temporary, final);
        }
        catch
        {
            file.Dispose();
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The disk that failed the batch may refuse this too; a leftover is a duplicate (or, in tmp/, not a message), never a loss.
        }
    }

    private sealed record Written(FileStream File, string Temporary, string Final);
}
