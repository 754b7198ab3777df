using System.Buffers;

namespace SmtpCollector.Protocol.Summary;

/// <summary>A read-only stream over a message's blocks, so that MimeKit reads them where they are, without a copy.</summary>
internal sealed class SequenceStream : Stream
{
    private readonly ReadOnlySequence<byte> _bytes;
    private ReadOnlySequence<byte> _rest;
    private long _position;

    public SequenceStream(ReadOnlySequence<byte> bytes)
    {
        _bytes = bytes;
        _rest = bytes;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _bytes.Length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, _rest.Length);
        _rest.Slice(0, n).CopyTo(buffer);
        _rest = _rest.Slice(n);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _bytes.Length + offset,
        };
        _position = Math.Clamp(target, 0, _bytes.Length);
        _rest = _bytes.Slice(_position);
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
