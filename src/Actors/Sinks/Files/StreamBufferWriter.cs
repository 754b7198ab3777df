using System.Buffers;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that writes to a stream through a buffer of fixed size, writing it out whenever it
/// is full. A payload built straight into one buffer needs a buffer as large as the largest message (and, grown by
/// doubling, up to twice that); this one stays at its size, unless a caller asks for one larger span at once.
/// </summary>
internal sealed class StreamBufferWriter(Stream stream, int bufferBytes) : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[bufferBytes];
    private int _written;

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(count));
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        // Room first: it may replace the buffer.
        var offset = Room(sizeHint);
        return _buffer.AsMemory(offset);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        var offset = Room(sizeHint);
        return _buffer.AsSpan(offset);
    }

    /// <summary>Writes out what the buffer holds.</summary>
    public void Flush()
    {
        if (_written == 0)
            return;
        stream.Write(_buffer, 0, _written);
        _written = 0;
    }

    /// <summary>Forgets what the buffer holds (the write it belonged to failed).</summary>
    public void Discard() => _written = 0;

    private int Room(int sizeHint)
    {
        var wanted = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= wanted)
            return _written;
        Flush();
        // Utf8JsonWriter asks for a whole escaped segment at once (a body block, at most six times over): rare, bounded.
        if (wanted > _buffer.Length)
            _buffer = new byte[wanted];
        return 0;
    }
}
