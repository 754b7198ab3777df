using System.Buffers;

namespace SmtpCollector.Protocol.Payload;

/// <summary>
/// A message's exact bytes, held as a few blocks (each below the large-object heap threshold) so that
/// building it copies every byte once and never re-copies on growth.
/// The blocks may be pooled: whoever holds the body last (the sink that stored it, or the session that never handed it
/// on) calls <see cref="Release"/> exactly once, which gives the blocks back for other messages. Any read after that
/// throws, rather than seeing another message's bytes.
/// </summary>
public sealed class MessageBody
{
    private readonly ReadOnlyMemory<byte>[] _blocks;
    private readonly Action? _onRelease;
    private int _released;

    /// <param name="blocks">The bytes, in order.</param>
    /// <param name="onRelease">Gives the blocks back (and their share of the in-flight budget); null when they are the GC's.</param>
    public MessageBody(ReadOnlyMemory<byte>[] blocks, Action? onRelease = null)
    {
        _blocks = blocks;
        _onRelease = onRelease;
        Length = blocks.Sum(b => (long)b.Length);
    }

    public static MessageBody Empty => new([]);

    public static MessageBody FromBytes(byte[] bytes) => new([bytes]);

    /// <summary>Still readable after <see cref="Release"/> (for logging); the bytes are not.</summary>
    public long Length { get; }

    public bool Released => Volatile.Read(ref _released) != 0;

    public IReadOnlyList<ReadOnlyMemory<byte>> Blocks => Readable();

    /// <summary>The body's last holder is done with it: its blocks go back to their pool. Only once.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
            throw new InvalidOperationException("The message body was released twice.");
        _onRelease?.Invoke();
    }

    /// <summary>
    /// Hands the bytes to <paramref name="holders"/> holders at once (the sinks of a composite, each keeping the message):
    /// each gets a body of its own over the same blocks and releases it once; the blocks go back when the last one has.
    /// This body is theirs from then on: release the shares, not it.
    /// </summary>
    public MessageBody[] Share(int holders)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(holders, 1);
        var blocks = Readable();
        var remaining = holders;
        var shares = new MessageBody[holders];
        for (var i = 0; i < holders; i++)
            shares[i] = new MessageBody(blocks, () =>
            {
                if (Interlocked.Decrement(ref remaining) == 0)
                    Release();
            });
        return shares;
    }

    public ReadOnlySequence<byte> ToSequence() => MemorySegments.ToSequence(Readable());

    public void WriteTo(Stream stream)
    {
        foreach (var block in Readable())
            stream.Write(block.Span);
    }

    /// <summary>The bytes in one array of their own, block by block (every byte is written, so it is not zeroed first).</summary>
    public byte[] ToArray()
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)Length));
        var at = 0;
        foreach (var block in Readable())
        {
            block.Span.CopyTo(bytes.AsSpan(at));
            at += block.Length;
        }
        return bytes;
    }

    private ReadOnlyMemory<byte>[] Readable() =>
        Released ? throw new ObjectDisposedException(nameof(MessageBody), "The message body was read after it was released.") : _blocks;
}
