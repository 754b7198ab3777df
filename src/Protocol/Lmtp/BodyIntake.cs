using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// The message being received: its bytes in pooled blocks, each block reserved from the shared in-flight budget before
/// it is rented, so that all sessions together never hold more than the budget. When the budget has no room the bytes are
/// not taken (the caller waits and tries again); once the wait is given up the rest of the message is read and dropped,
/// and it ends as <see cref="BodyStatus.NoMemory"/>.
/// </summary>
public sealed class BodyIntake(InFlightBudget budget, long maxMessageBytes)
{
    private MessageBodyBuilder? _body;

    public bool Started => _body is not null;

    /// <summary>Budget reserved for this message and not yet handed on with it.</summary>
    public long Reserved { get; private set; }

    /// <summary>Bytes of blocks held (for checks: never more than <see cref="Reserved"/>).</summary>
    public long Capacity => _body?.Capacity ?? 0;

    public long Length => _body?.Length ?? 0;

    public bool OutOfMemory { get; private set; }

    public BodyStatus Status => OutOfMemory ? BodyStatus.NoMemory : _body is { TooBig: true } ? BodyStatus.TooBig : BodyStatus.Complete;

    public void Start()
    {
        Abandon();
        OutOfMemory = false;
        _body = new MessageBodyBuilder(maxMessageBytes, budget.Blocks);
    }

    /// <summary>
    /// With SIZE= declared (Postfix always declares it) the whole message is reserved before its first byte is kept, and
    /// for DATA before the 354 that lets the client send it. Reserving piece by piece, many large messages at once each
    /// held part of the budget and waited for the rest, until all of them gave up with 452 together.
    /// </summary>
    public bool ReserveDeclared(long? declaredSize) => OutOfMemory || Reserve(DeclaredReservation(declaredSize) - Reserved);

    /// <summary>Takes <paramref name="count"/> more bytes in hand, reserving their blocks first; false: no room now, nothing taken.</summary>
    public bool TryReserveFor(int count, long? declaredSize)
    {
        if (OutOfMemory)
            return true;
        var body = _body!;
        if (body.Length + count > body.MaxBytes)
            return true; // not kept: see Append
        return Reserve(Math.Max(body.Capacity + body.CapacityNeededFor(count), DeclaredReservation(declaredSize)) - Reserved);
    }

    /// <summary>
    /// Whether the next <paramref name="count"/> bytes (reserved with <see cref="TryReserveFor"/>) are kept: then
    /// <see cref="Append"/> each of their slices. A piece that takes the message over the limit is not kept at all: nothing
    /// was reserved for it, and appended slice by slice, those before the limit would be, outside the budget.
    /// </summary>
    public bool Keeps(int count)
    {
        if (OutOfMemory)
            return false;
        var body = _body!;
        if (body.Length + count <= body.MaxBytes)
            return true;
        body.Skip(count);
        return false;
    }

    public void Append(ReadOnlySpan<byte> bytes) => _body!.Append(bytes);

    /// <summary>The wait for room is over: the rest of the message is read without keeping it.</summary>
    public void GiveUp() => OutOfMemory = true;

    /// <summary>The whole message, with its share of the budget: released with the body, by whoever holds it last.</summary>
    public (MessageBody Body, string Sha256) Build()
    {
        var reserved = Reserved;
        Reserved = 0;
        var built = _body!.Build(() => budget.Release(reserved));
        _body = null;
        return built;
    }

    /// <summary>A message not handed on: its blocks and its share of the budget go back.</summary>
    public void Abandon()
    {
        _body?.Abandon();
        _body = null;
        budget.Release(Reserved);
        Reserved = 0;
    }

    private bool Reserve(long needed)
    {
        if (needed <= 0)
            return true;
        if (!budget.TryReserve(needed, Reserved + needed))
            return false;
        Reserved += needed;
        return true;
    }

    /// <summary>The declared size in whole blocks, or 0 without SIZE= (or one the budget can never hold: reserved as it comes).</summary>
    private long DeclaredReservation(long? declaredSize)
    {
        if (declaredSize is not { } size)
            return 0;
        var blockBytes = budget.Blocks.BlockBytes;
        var declared = MessageBodyBuilder.BlocksFor(size, blockBytes) * blockBytes;
        return budget.CanHold(declared) ? declared : 0;
    }
}
