using System.Security.Cryptography;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// Collects a message's bytes as they arrive: hashes them (SHA-256) and copies them once into blocks rented from a
/// <see cref="BlockPool"/>. Past <see cref="MaxBytes"/> it stops keeping bytes but goes on counting, so that the whole
/// message can be read and refused. The blocks are the builder's until <see cref="Build"/> hands them to the body, or
/// <see cref="Abandon"/> gives them back; one of the two must happen.
/// </summary>
public sealed class MessageBodyBuilder
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly BlockPool _pool;
    private readonly List<byte[]> _blocks = [];
    private int _lastUsed;
    private bool _done;

    /// <param name="maxBytes">Largest message kept.</param>
    /// <param name="pool">Where the blocks come from, and go back to.</param>
    public MessageBodyBuilder(long maxBytes, BlockPool pool)
    {
        MaxBytes = maxBytes;
        _pool = pool;
    }

    public long MaxBytes { get; }

    /// <summary>Bytes seen so far, kept or not.</summary>
    public long Length { get; private set; }

    public bool TooBig => Length > MaxBytes;

    /// <summary>Bytes of memory held in blocks.</summary>
    public long Capacity => _blocks.Count * (long)_pool.BlockBytes;

    /// <summary>The memory that appending <paramref name="count"/> more bytes would rent (0 when it fits, or is not kept).</summary>
    public long CapacityNeededFor(int count)
    {
        if (Length + count > MaxBytes)
            return 0;
        var free = _blocks.Count == 0 ? 0 : _pool.BlockBytes - _lastUsed;
        var missing = (long)count - free;
        return missing <= 0 ? 0 : BlocksFor(missing, _pool.BlockBytes) * _pool.BlockBytes;
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

    /// <summary>Whole blocks of <paramref name="blockBytes"/> that hold <paramref name="bytes"/>.</summary>
    public static long BlocksFor(long bytes, int blockBytes) => (bytes + blockBytes - 1) / blockBytes;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        Length += bytes.Length;
        if (TooBig)
            return;
        _hash.AppendData(bytes);
        while (bytes.Length > 0)
        {
            if (_blocks.Count == 0 || _lastUsed == _pool.BlockBytes)
            {
                _blocks.Add(_pool.Rent());
                _lastUsed = 0;
            }
            var n = Math.Min(bytes.Length, _pool.BlockBytes - _lastUsed);
            bytes[..n].CopyTo(_blocks[^1].AsSpan(_lastUsed));
            _lastUsed += n;
            bytes = bytes[n..];
        }
    }

    /// <summary>
    /// The body and its lowercase hex SHA-256. Only for a body that is not <see cref="TooBig"/>. The body owns the blocks
    /// from now on: its <see cref="MessageBody.Release"/> returns them to the pool, then calls <paramref name="onReleased"/>.
    /// </summary>
    public (MessageBody Body, string Sha256) Build(Action? onReleased = null)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (TooBig)
            throw new InvalidOperationException("The message is over the size limit and was not kept.");
        _done = true;
        var owned = _blocks.ToArray();
        _blocks.Clear();
        var blocks = new ReadOnlyMemory<byte>[owned.Length];
        for (var i = 0; i < owned.Length; i++)
            blocks[i] = owned[i].AsMemory(0, i == owned.Length - 1 ? _lastUsed : owned[i].Length);
        var pool = _pool;
        var body = new MessageBody(blocks, () =>
        {
            foreach (var block in owned)
                pool.Return(block);
            onReleased?.Invoke();
        });
        var sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        _hash.Dispose();
        return (body, sha256);
    }

    /// <summary>The message is not kept (refused, or its connection gone): the blocks go back. Does nothing after <see cref="Build"/>.</summary>
    public void Abandon()
    {
        if (_done)
            return;
        _done = true;
        foreach (var block in _blocks)
            _pool.Return(block);
        _blocks.Clear();
        _hash.Dispose();
    }
}
