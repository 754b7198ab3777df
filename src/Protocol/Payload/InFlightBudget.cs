namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// The memory budget for message bytes held across all sessions. Thread-safe: every session reserves from the one budget
/// before it rents message blocks from <see cref="Blocks"/>; a message's share is released when its body is (by the sink
/// that stored it, once its blocks are back in the pool) or, for a message never handed on, by its session. Since blocks
/// are rented only within reservations and a new block is allocated only when none is free, the pool never holds more
/// than the budget.
/// </summary>
public sealed class InFlightBudget
{
    private long _used;

    /// <param name="capacity">Bytes of message blocks held at most.</param>
    /// <param name="poisonReturnedBlocks">Fill blocks given back with <see cref="BlockPool.Poison"/> (tests).</param>
    /// <param name="blockBytes">The block size; by default a sixteenth of the capacity, within 256 bytes and <see cref="BlockPool.DefaultBlockBytes"/>.</param>
    public InFlightBudget(long capacity, bool poisonReturnedBlocks = false, int? blockBytes = null)
    {
        Capacity = capacity;
        // Every message holds whole blocks: a budget of at least 16 of them keeps small messages from waiting on rounding.
        blockBytes ??= (int)Math.Clamp(capacity / 16, 256, BlockPool.DefaultBlockBytes);
        Blocks = new BlockPool(blockBytes.Value, (int)Math.Min(int.MaxValue, capacity / blockBytes.Value), poisonReturnedBlocks);
        SmallMessageBytes = 4L * blockBytes.Value;
        SmallMessageReserve = capacity / 8 / blockBytes.Value * blockBytes.Value;
    }

    /// <summary>A message that holds at most this much (most spam: a few KB, one block) is small.</summary>
    public long SmallMessageBytes { get; }

    /// <summary>
    /// The last part of the capacity that only small messages may use: a flood of large messages that fills the budget
    /// then never makes a small one, or a well-behaved client's, wait behind it.
    /// </summary>
    public long SmallMessageReserve { get; }

    /// <summary>Whether a message holding <paramref name="messageBytes"/> in all could ever be reserved.</summary>
    public bool CanHold(long messageBytes) => messageBytes <= Limit(messageBytes);

    public long Capacity { get; }

    public BlockPool Blocks { get; }

    /// <summary>Bytes reserved now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <param name="bytes">Bytes to reserve now.</param>
    /// <param name="messageBytes">What the message holds in all once this is reserved: decides whether it is small.</param>
    public bool TryReserve(long bytes, long messageBytes)
    {
        var limit = Limit(messageBytes);
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > limit)
                return false;
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
                return true;
        }
    }

    private long Limit(long messageBytes) => messageBytes <= SmallMessageBytes ? Capacity : Capacity - SmallMessageReserve;

    public void Release(long bytes)
    {
        if (bytes > 0)
            Interlocked.Add(ref _used, -bytes);
    }
}
