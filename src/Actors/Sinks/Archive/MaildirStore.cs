using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>
/// The archive: each message's exact bytes as a Maildir file, delivered as the specification says (written under
/// <c>tmp/</c>, synced, renamed into <c>new/</c>), its envelope beside it in <c>envelope/&lt;name&gt;.json</c>
/// (<see cref="ArchiveEnvelope"/>). Mail readers (mutt, Dovecot, Python's mailbox.Maildir) read <c>new/</c> and <c>cur/</c>
/// and ignore a folder called <c>envelope</c> (no leading dot: not a Maildir++ subfolder). On commit the directories are
/// synced, which makes the renames durable, and only then is the batch confirmed.
/// </summary>
public sealed class MaildirStore : IMessageStore
{
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
        if (_renamed.Count == 0)
            Prepare();
        var name = MaildirName.New(DateTimeOffset.UtcNow, message.Body.Length);
        // The envelope goes first: a message in new/ always has its envelope, so that a replay can rebuild its payload.
        var envelope = Path.Combine(Tmp, name + ".envelope");
        WriteSynced(envelope, file => file.Write(ArchiveEnvelope.ToJson(message)));
        var envelopeFinal = Path.Combine(Envelopes, name + ".json");
        File.Move(envelope, envelopeFinal);
        _renamed.Add(envelopeFinal);

        var temporary = Path.Combine(Tmp, name);
        WriteSynced(temporary, message.Body.WriteTo);
        var final = Path.Combine(New, name);
        File.Move(temporary, final);
        _renamed.Add(final);
    }

    public void Commit()
    {
        DirectorySync.Sync(Envelopes);
        DirectorySync.Sync(New);
        _renamed.Clear();
    }

    public void Rollback()
    {
        // The batch is answered 451 and comes again: what it left behind would be a second copy in the archive.
        foreach (var path in _renamed)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The disk that failed the batch may refuse this too; a leftover copy is a duplicate, never a loss.
            }
        }
        _renamed.Clear();
    }

    public void Dispose()
    {
    }

    private static void WriteSynced(string path, Action<FileStream> write)
    {
        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            write(file);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(path);
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
            // Best effort: a file left in tmp/ is not a message (readers only look in new/ and cur/).
        }
    }
}
