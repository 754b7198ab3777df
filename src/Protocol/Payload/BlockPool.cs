namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// Message blocks of one size, reused. Without it every message's blocks are garbage once stored, and a message that
/// takes seconds to arrive lives long enough to be promoted to gen2, where the garbage piles up until a full collection:
/// the heap grew to three times the in-flight budget. Reused blocks make that garbage none.
/// A new block is allocated only when none is free, so the pool never holds more blocks than were ever rented at once;
/// callers rent only within their share of the in-flight budget, which bounds that. Thread-safe.
/// </summary>
public sealed class BlockPool
{
    /// <summary>Below .NET's large-object threshold (85,000 bytes), and the size of a TCP read.</summary>
    public const int DefaultBlockBytes = 64 * 1024;

    private readonly Stack<byte[]> _free = new();
    private readonly int _maxFree;
    private readonly bool _poisonReturned;

    /// <param name="blockBytes">Size of every block.</param>
    /// <param name="maxFree">Free blocks kept for reuse; more returned than that are left to the GC (a safety net: rents within the budget never get there).</param>
    /// <param name="poisonReturned">Fill returned blocks with <see cref="Poison"/>, so that a body read after its blocks went back shows it (tests).</param>
    public BlockPool(int blockBytes = DefaultBlockBytes, int maxFree = int.MaxValue, bool poisonReturned = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockBytes);
        BlockBytes = blockBytes;
        _maxFree = maxFree;
        _poisonReturned = poisonReturned;
    }

    /// <summary>The byte a poisoning pool fills returned blocks with.</summary>
    public const byte Poison = 0xDB;

    public int BlockBytes { get; }

    /// <summary>Blocks ever allocated by this pool (and not dropped): what it costs in memory, at most.</summary>
    public long Allocated { get; private set; }

    public int FreeCount
    {
        get
        {
            lock (_free)
                return _free.Count;
        }
    }

    public byte[] Rent()
    {
        lock (_free)
        {
            if (_free.TryPop(out var block))
                return block;
            Allocated++;
        }
        // Every byte of a block is written before it is read: no need to zero it. On the pinned object heap, a block that
        // lives for many messages is never copied from generation to generation (the transient copies of a flood's worth
        // of new blocks came on top of the budget); the blocks are all one size, so the heap they are in does not fragment.
        return GC.AllocateUninitializedArray<byte>(BlockBytes, pinned: true);
    }

    public void Return(byte[] block)
    {
        if (block.Length != BlockBytes)
            throw new ArgumentException($"a block of {block.Length} bytes is not from this pool ({BlockBytes})", nameof(block));
        if (_poisonReturned)
            block.AsSpan().Fill(Poison);
        lock (_free)
        {
            // Checked only when poisoning (tests): a block returned twice would be rented to two bodies at once.
            if (_poisonReturned && _free.Contains(block))
                throw new InvalidOperationException("a block was returned twice");
            if (_free.Count < _maxFree)
            {
                _free.Push(block);
                return;
            }
            Allocated--;
        }
    }
}
