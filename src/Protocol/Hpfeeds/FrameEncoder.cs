using System.Buffers;
using System.Text;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>
/// Writes frames. Bad arguments (a name over 255 UTF-8 bytes, a string that is not valid UTF-16, a nonce or hash of the
/// wrong size, a frame too long for the 32-bit length) throw <see cref="ArgumentException"/> before anything is written.
/// </summary>
public static class FrameEncoder
{
    /// <summary>A strpack8 name holds at most this many UTF-8 bytes (its length is one byte).</summary>
    public const int MaxNameBytes = 255;

    // Throws on lone surrogates instead of silently sending U+FFFD: an ident or channel must arrive as given.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(Frame frame)
    {
        var length = GetLength(frame);
        if (length > Array.MaxLength)
            throw new ArgumentException($"A frame of {length} bytes does not fit in one array.", nameof(frame));
        var writer = new FixedWriter(new byte[length]);
        Write(writer, frame);
        return writer.Buffer;
    }

    public static void Write(IBufferWriter<byte> destination, Frame frame)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(frame);
        switch (frame)
        {
            case PublishFrame publish:
                WritePublish(destination, publish.Ident, publish.Channel, publish.Payload.Span);
                break;
            case ErrorFrame error:
            {
                var total = CheckedLength(FrameHeader.Size + (long)StrictUtf8.GetByteCount(error.Message));
                new FrameHeader(total, Opcode.Error).WriteTo(destination.GetSpan(FrameHeader.Size));
                destination.Advance(FrameHeader.Size);
                StrictUtf8.GetBytes(error.Message, destination);
                break;
            }
            default:
                WriteSmall(destination, frame);
                break;
        }
    }

    /// <summary>The frame's encoded length, header included, after the same checks as <see cref="Write"/>.</summary>
    public static long GetLength(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame switch
        {
            ErrorFrame error => CheckedLength(FrameHeader.Size + (long)StrictUtf8.GetByteCount(error.Message)),
            PublishFrame publish => PublishLength(publish.Ident, publish.Channel, publish.Payload.Length),
            _ => SmallLength(frame),
        };
    }

    /// <summary>
    /// The length of a PUBLISH frame, header included, to hold a payload against a broker's limit before sending it
    /// (the reference broker drops the connection on a frame over 5 + 1,048,576 bytes, and the message with it).
    /// </summary>
    public static long PublishLength(string ident, string channel, long payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        return CheckedLength(FrameHeader.Size + 1L + NameBytes(ident, nameof(ident)) + 1 + NameBytes(channel, nameof(channel)) + payloadLength);
    }

    public static void WritePublish(IBufferWriter<byte> destination, string ident, string channel, ReadOnlySpan<byte> payload)
    {
        WritePublishPrefix(destination, ident, channel, payload.Length);
        destination.Write(payload);
    }

    /// <summary>Writes the payload segment by segment straight into <paramref name="destination"/>: no copy of it in between.</summary>
    public static void WritePublish(IBufferWriter<byte> destination, string ident, string channel, in ReadOnlySequence<byte> payload)
    {
        WritePublishPrefix(destination, ident, channel, payload.Length);
        foreach (var segment in payload)
            destination.Write(segment.Span);
    }

    /// <summary>
    /// Writes a PUBLISH frame whose payload <paramref name="writePayload"/> writes in place, after room left for the
    /// frame's prefix, which is filled in once the payload's length is known: a payload built on the fly (a message's
    /// json) is never first built anywhere else. The writer never moves written bytes, so the prefix's memory stays
    /// valid however much the payload grows. Returns the payload's length.
    /// </summary>
    public static long WritePublish(SegmentedBufferWriter destination, string ident, string channel, Action<IBufferWriter<byte>> writePayload)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(writePayload);
        var prefixLength = PublishPrefixLength(ident, channel);
        var prefix = destination.GetMemory(prefixLength)[..prefixLength];
        destination.Advance(prefixLength);
        var start = destination.WrittenCount;
        writePayload(destination);
        var payloadLength = destination.WrittenCount - start;
        WritePublishPrefix(prefix.Span, ident, channel, payloadLength);
        return payloadLength;
    }

    private static void WritePublishPrefix(IBufferWriter<byte> destination, string ident, string channel, long payloadLength)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var prefix = PublishPrefixLength(ident, channel);
        WritePublishPrefix(destination.GetSpan(prefix), ident, channel, payloadLength);
        destination.Advance(prefix);
    }

    /// <summary>The bytes of a PUBLISH frame before its payload: header, ident and channel.</summary>
    private static int PublishPrefixLength(string ident, string channel) => (int)PublishLength(ident, channel, 0);

    private static void WritePublishPrefix(Span<byte> prefix, string ident, string channel, long payloadLength)
    {
        var total = PublishLength(ident, channel, payloadLength);
        var identBytes = StrictUtf8.GetByteCount(ident);
        var channelBytes = StrictUtf8.GetByteCount(channel);
        new FrameHeader((uint)total, Opcode.Publish).WriteTo(prefix);
        var at = FrameHeader.Size;
        at += WriteName(prefix[at..], ident, identBytes);
        WriteName(prefix[at..], channel, channelBytes);
    }

    // INFO, AUTH, SUBSCRIBE and UNSUBSCRIBE: a few hundred bytes at most, written in one span.
    private static void WriteSmall(IBufferWriter<byte> destination, Frame frame)
    {
        var total = (int)SmallLength(frame);
        var span = destination.GetSpan(total);
        new FrameHeader((uint)total, frame.Opcode).WriteTo(span);
        var body = span[FrameHeader.Size..total];
        switch (frame)
        {
            case InfoFrame info:
                info.Nonce.Span.CopyTo(body[WriteName(body, info.BrokerName, StrictUtf8.GetByteCount(info.BrokerName))..]);
                break;
            case AuthFrame auth:
                auth.Hash.Span.CopyTo(body[WriteName(body, auth.Ident, StrictUtf8.GetByteCount(auth.Ident))..]);
                break;
            case SubscribeFrame subscribe:
                WriteRest(body[WriteName(body, subscribe.Ident, StrictUtf8.GetByteCount(subscribe.Ident))..], subscribe.Channel);
                break;
            case UnsubscribeFrame unsubscribe:
                WriteRest(body[WriteName(body, unsubscribe.Ident, StrictUtf8.GetByteCount(unsubscribe.Ident))..], unsubscribe.Channel);
                break;
        }
        destination.Advance(total);
    }

    private static long SmallLength(Frame frame) => frame switch
    {
        InfoFrame info => FrameHeader.Size + 1 + NameBytes(info.BrokerName, nameof(info.BrokerName))
            + ExactLength(info.Nonce, InfoFrame.NonceLength, nameof(info.Nonce)),
        AuthFrame auth => FrameHeader.Size + 1 + NameBytes(auth.Ident, nameof(auth.Ident))
            + ExactLength(auth.Hash, AuthHash.Length, nameof(auth.Hash)),
        // The channel of a (un)subscription is the rest of the frame, not a strpack8, but the broker matches it against
        // PUBLISH channels, which are: one over 255 bytes could never match, so it is refused like any other long name.
        SubscribeFrame subscribe => FrameHeader.Size + 1 + NameBytes(subscribe.Ident, nameof(subscribe.Ident))
            + NameBytes(subscribe.Channel, nameof(subscribe.Channel)),
        UnsubscribeFrame unsubscribe => FrameHeader.Size + 1 + NameBytes(unsubscribe.Ident, nameof(unsubscribe.Ident))
            + NameBytes(unsubscribe.Channel, nameof(unsubscribe.Channel)),
        _ => throw new ArgumentException($"Unknown frame type {frame.GetType().Name}.", nameof(frame)),
    };

    private static int NameBytes(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        int count;
        try
        {
            count = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"The name is not valid UTF-16: {e.Message}", paramName, e);
        }
        if (count > MaxNameBytes)
            throw new ArgumentException($"The name is {count} UTF-8 bytes; hpfeeds allows {MaxNameBytes}.", paramName);
        return count;
    }

    private static int ExactLength(ReadOnlyMemory<byte> bytes, int expected, string paramName) =>
        bytes.Length == expected ? expected : throw new ArgumentException($"{paramName} must be {expected} bytes, not {bytes.Length}.", paramName);

    private static uint CheckedLength(long total) =>
        total <= uint.MaxValue ? (uint)total : throw new ArgumentException($"The frame would be {total} bytes; its length field holds at most {uint.MaxValue}.");

    private static int WriteName(Span<byte> destination, string name, int byteCount)
    {
        destination[0] = (byte)byteCount;
        StrictUtf8.GetBytes(name, destination[1..]);
        return 1 + byteCount;
    }

    private static void WriteRest(Span<byte> destination, string text) => StrictUtf8.GetBytes(text, destination);

    /// <summary>Exactly one frame's worth of array: <see cref="Encode"/> knows the length up front, so nothing is copied twice.</summary>
    private sealed class FixedWriter(byte[] buffer) : IBufferWriter<byte>
    {
        private int _written;

        public byte[] Buffer => buffer;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => buffer.AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => buffer.AsSpan(_written);
    }
}
