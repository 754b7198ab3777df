namespace SmtpCollector.Actors.Lmtp;

/// <summary>
/// The memory budget for message bytes held across all sessions. Thread-safe: every session reserves from the one budget
/// before it allocates message blocks, and releases once the sink has answered.
/// </summary>
public sealed class InFlightBudget(long capacity)
{
    private long _used;

    public long Capacity => capacity;

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > capacity)
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
