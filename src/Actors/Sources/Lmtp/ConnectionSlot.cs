namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// What the listener may know of one session without asking it: since when it has been idle between transactions (0: it
/// is not), and whether the server is under stress. Written by the session, read by the listener (a plain volatile
/// value, not actor state): when the connection slots run out, the listener picks the connection idle longest and asks
/// it to close, rather than turning a good client away because idle ones hold every slot.
/// </summary>
public sealed class ConnectionSlot
{
    private long _idleSince;

    /// <summary><see cref="Environment.TickCount64"/> when the session began to wait for a command between transactions; 0 when it does not.</summary>
    public long IdleSince => Volatile.Read(ref _idleSince);

    public void MarkIdle()
    {
        if (Volatile.Read(ref _idleSince) == 0)
            Volatile.Write(ref _idleSince, Math.Max(1, Environment.TickCount64));
    }

    public void MarkBusy() => Volatile.Write(ref _idleSince, 0);
}
