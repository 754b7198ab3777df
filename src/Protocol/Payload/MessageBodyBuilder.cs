using System.Security.Cryptography;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// Collects a message's bytes as they arrive: hashes them (SHA-256) and copies them once into blocks.
/// Past <see cref="MaxBytes"/> it stops keeping bytes but goes on counting, so that the whole message can be read and refused.
/// </summary>
public sealed class MessageBodyBuilder
{
    /// <summary>Blocks stay below .NET's large-object threshold (85,000 bytes), so they die young and cheaply.</summary>
    public const int MaxBlockBytes = 80 * 1024;
    private const int MinBlockBytes = 4 * 1024;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<ReadOnlyMemory<byte>> _full = [];
    private readonly long _expectedBytes;
    private byte[]? _block;
    private int _blockUsed;

    /// <param name="maxBytes">Largest message kept.</param>
    /// <param name="expectedBytes">The client's SIZE= declaration, if any: blocks are sized to fit it.</param>
    public MessageBodyBuilder(long maxBytes, long? expectedBytes = null)
    {
        MaxBytes = maxBytes;
        _expectedBytes = Math.Min(expectedBytes ?? 0, maxBytes);
    }

    public long MaxBytes { get; }

    /// <summary>Bytes seen so far, kept or not.</summary>
    public long Length { get; private set; }

    public bool TooBig => Length > MaxBytes;

    /// <summary>Bytes of memory held in blocks.</summary>
    public long Capacity { get; private set; }

    /// <summary>The memory that appending <paramref name="count"/> more bytes would allocate (0 when it fits, or is not kept).</summary>
    public long CapacityNeededFor(int count)
    {
        if (Length + count > MaxBytes)
            return 0;
        var free = _block is null ? 0 : _block.Length - _blockUsed;
        var needed = 0L;
        var allocated = Capacity;
        for (var missing = count - free; missing > 0;)
        {
            var size = NextBlockSize(allocated);
            needed += size;
            allocated += size;
            missing -= size;
        }
        return needed;
    }

    /// <summary>
    /// Counts <paramref name="count"/> bytes that take the message over <see cref="MaxBytes"/> without keeping any of them:
    /// for a piece that arrives in several slices, of which <see cref="CapacityNeededFor"/> saw the whole (and said 0).
    /// </summary>
    public void Skip(long count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Length + count, MaxBytes, nameof(count));
        Length += count;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Length += bytes.Length;
        if (TooBig)
            return;
        _hash.AppendData(bytes);
        while (bytes.Length > 0)
        {
            if (_block is null || _blockUsed == _block.Length)
            {
                if (_block is not null)
                    _full.Add(_block);
                // Every byte of a block is written before it is read: no need to zero it.
                _block = GC.AllocateUninitializedArray<byte>(NextBlockSize(Capacity));
                Capacity += _block.Length;
                _blockUsed = 0;
            }
            var n = Math.Min(bytes.Length, _block.Length - _blockUsed);
            bytes[..n].CopyTo(_block.AsSpan(_blockUsed));
            _blockUsed += n;
            bytes = bytes[n..];
        }
    }

    /// <summary>The body and its lowercase hex SHA-256. Only for a body that is not <see cref="TooBig"/>.</summary>
    public (MessageBody Body, string Sha256) Build()
    {
        if (TooBig)
            throw new InvalidOperationException("The message is over the size limit and was not kept.");
        var blocks = new ReadOnlyMemory<byte>[_full.Count + (_blockUsed > 0 ? 1 : 0)];
        _full.CopyTo(blocks);
        if (_blockUsed > 0)
            blocks[^1] = _block.AsMemory(0, _blockUsed);
        var sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        _hash.Dispose();
        return (new MessageBody(blocks), sha256);
    }

    private int NextBlockSize(long allocated)
    {
        // Sized to the declared SIZE when there is one (Postfix always declares it), else doubling from 4 KiB.
        var wanted = _expectedBytes > allocated ? _expectedBytes - allocated + 1024 : Math.Max(allocated, MinBlockBytes);
        return (int)Math.Clamp(wanted, MinBlockBytes, MaxBlockBytes);
    }
}
