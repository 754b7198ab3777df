using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Lmtp;

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
    public InFlightBudget(long capacity, bool poisonReturnedBlocks = false)
    {
        Capacity = capacity;
        // Every message holds whole blocks: a budget of at least 16 of them keeps small messages from waiting on rounding.
        var blockBytes = (int)Math.Clamp(capacity / 16, 256, BlockPool.DefaultBlockBytes);
        Blocks = new BlockPool(blockBytes, (int)Math.Min(int.MaxValue, capacity / blockBytes), poisonReturnedBlocks);
    }

    public long Capacity { get; }

    public BlockPool Blocks { get; }

    /// <summary>Bytes reserved now.</summary>
    public long Used => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > Capacity)
                return false;
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
                return true;
        }
    }

    public void Release(long bytes)
    {
        if (bytes > 0)
            Interlocked.Add(ref _used, -bytes);
    }
}
