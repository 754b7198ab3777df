using System.Buffers;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that grows by whole segments and never moves what it has written. Against
/// <see cref="ArrayBufferWriter{T}"/>: a 100 KB message's frame is no longer one array on the large-object heap (plus a
/// second, twice the size, whenever escaping made the json outgrow the first guess), whose allocation rate set off a
/// full collection every few dozen messages; and memory handed out by <see cref="GetMemory"/> stays the writer's
/// bytes for good, so a length can be filled in once what follows it is written.
/// Segments are new arrays, not pooled: the bytes are handed to a socket write that may outlive every other holder.
/// </summary>
public sealed class SegmentedBufferWriter : IBufferWriter<byte>
{
    /// <summary>Below .NET's large-object threshold (85,000 bytes).</summary>
    public const int DefaultSegmentBytes = 64 * 1024;

    private readonly int _segmentBytes;
    private readonly List<ReadOnlyMemory<byte>> _sealed = [];
    private byte[]? _current;
    private int _used;

    public SegmentedBufferWriter(int segmentBytes = DefaultSegmentBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentBytes);
        _segmentBytes = segmentBytes;
    }

    public long WrittenCount { get; private set; }

    /// <summary>What has been written, in order, as the writer's own memory (not a copy).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> WrittenSegments =>
        _used == 0 ? [.. _sealed] : [.. _sealed, _current.AsMemory(0, _used)];

    public ReadOnlySequence<byte> WrittenSequence => MemorySegments.ToSequence(WrittenSegments);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > (_current?.Length ?? 0) - _used)
            throw new InvalidOperationException($"advanced {count} bytes past the end of the memory handed out");
        _used += count;
        WrittenCount += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _current.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _current.AsSpan(_used);
    }

    private void Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var wanted = Math.Max(sizeHint, 1);
        if (_current is not null && _current.Length - _used >= wanted)
            return;
        if (_used > 0)
            _sealed.Add(_current.AsMemory(0, _used));
        // Every byte handed out is written before it is read (Advance counts only those): no need to zero it.
        _current = GC.AllocateUninitializedArray<byte>(Math.Max(wanted, _segmentBytes));
        _used = 0;
    }
}
