using System.Buffers;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>
/// Appends one json payload per line to a file and syncs it to disk on commit. A line that a crash cut short was never
/// confirmed, so on opening it is cut off, and the next line starts clean.
/// </summary>
public sealed class JsonLinesFileStore : IMessageStore
{
    private readonly FileStream _file;
    private readonly bool _withEnvelope;
    private readonly StreamBufferWriter _buffer;
    private long _committedLength;

    public JsonLinesFileStore(string path, bool withEnvelope)
    {
        _withEnvelope = withEnvelope;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        _committedLength = LengthOfWholeLines(_file);
        _file.SetLength(_committedLength);
        _file.Position = _committedLength;
        // The line goes to the file in pieces as it is built: a whole line in memory would be as large as the message.
        _buffer = new StreamBufferWriter(_file, 64 * 1024);
        Description = $"file:{path}";
    }

    public string Description { get; }

    public void Write(ReceivedMessage message)
    {
        _buffer.Discard();
        JsonPayload.Write(_buffer, message, _withEnvelope);
        _buffer.Write("\n"u8);
        _buffer.Flush();
    }

    public void Commit()
    {
        _file.Flush(flushToDisk: true);
        _committedLength = _file.Position;
    }

    public void Rollback()
    {
        _buffer.Discard();
        _file.SetLength(_committedLength);
        _file.Position = _committedLength;
    }

    public void Dispose() => _file.Dispose();

    private static long LengthOfWholeLines(FileStream file)
    {
        var length = file.Length;
        if (length == 0)
            return 0;
        Span<byte> buffer = stackalloc byte[4096];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var chunk = buffer[..(int)(end - start)];
            file.Position = start;
            file.ReadExactly(chunk);
            var lf = chunk.LastIndexOf((byte)'\n');
            if (lf >= 0)
                return start + lf + 1;
            end = start;
        }
        return 0;
    }
}
