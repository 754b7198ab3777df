using System.Buffers;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// A message's exact bytes, held as a few blocks (each below the large-object heap threshold) so that
/// building it copies every byte once and never re-copies on growth.
/// </summary>
public sealed class MessageBody
{
    private readonly ReadOnlyMemory<byte>[] _blocks;

    public MessageBody(ReadOnlyMemory<byte>[] blocks)
    {
        _blocks = blocks;
        Length = blocks.Sum(b => (long)b.Length);
    }

    public static MessageBody Empty { get; } = new([]);

    public static MessageBody FromBytes(byte[] bytes) => new([bytes]);

    public long Length { get; }

    public IReadOnlyList<ReadOnlyMemory<byte>> Blocks => _blocks;

    public ReadOnlySequence<byte> ToSequence()
    {
        if (_blocks.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        if (_blocks.Length == 1)
            return new ReadOnlySequence<byte>(_blocks[0]);
        var first = new Block(_blocks[0], 0);
        var last = first;
        for (var i = 1; i < _blocks.Length; i++)
            last = last.Append(_blocks[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public void WriteTo(Stream stream)
    {
        foreach (var block in _blocks)
            stream.Write(block.Span);
    }

    public byte[] ToArray() => ToSequence().ToArray();

    private sealed class Block : ReadOnlySequenceSegment<byte>
    {
        public Block(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Block Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Block(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
