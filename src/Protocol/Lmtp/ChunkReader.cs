namespace SmtpCollector.Protocol.Lmtp;

/// <summary>Counts down the bytes of a BDAT chunk (RFC 3030): exactly that many bytes follow the command, whatever they are.</summary>
public struct ChunkReader(long size)
{
    public long Remaining { get; private set; } = size;

    public readonly bool Done => Remaining == 0;

    /// <summary>How many bytes of <paramref name="available"/> belong to the chunk.</summary>
    public int Take(int available)
    {
        var take = (int)Math.Min(available, Remaining);
        Remaining -= take;
        return take;
    }
}
