using System.Buffers.Binary;
using System.Text;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>What decoding a whole hpfeeds stream must give.</summary>
internal sealed record HpfeedsDecoding(IReadOnlyList<Frame> Frames, DecodeError? Error, bool EndsBetweenFrames);

/// <summary>
/// hpfeeds decoding written from contract.md §2 over the whole stream at once, to hold the incremental decoder against:
/// header errors are seen as soon as their field is complete; a body is parsed once all of it is in.
/// </summary>
internal static class HpfeedsReference
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static HpfeedsDecoding Decode(byte[] stream, HpfeedsLimits limits)
    {
        var frames = new List<Frame>();
        var at = 0;
        while (true)
        {
            var left = stream.Length - at;
            if (left < 4)
                return new(frames, null, left == 0);
            var length = BinaryPrimitives.ReadUInt32BigEndian(stream.AsSpan(at));
            if (length < FrameHeader.Size)
                return new(frames, DecodeError.LengthBelowHeader, false);
            if (length > (uint)limits.MaxFrameBytes)
                return new(frames, DecodeError.FrameTooLarge, false);
            if (left < FrameHeader.Size)
                return new(frames, null, false);
            var opcode = stream[at + 4];
            if (opcode > 5)
                return new(frames, DecodeError.UnknownOpcode, false);
            if (left < length)
                return new(frames, null, false);
            var frame = Parse(opcode, stream[(at + FrameHeader.Size)..(at + (int)length)]);
            if (frame is null)
                return new(frames, DecodeError.Malformed, false);
            frames.Add(frame);
            at += (int)length;
        }
    }

    private static Frame? Parse(byte opcode, byte[] body)
    {
        if (opcode == 0)
            return new ErrorFrame(Encoding.UTF8.GetString(body));
        if (!TryName(body, 0, out var first, out var at))
            return null;
        var rest = body[at..];
        switch (opcode)
        {
            case 1:
                return rest.Length == 4 ? new InfoFrame(first, rest) : null;
            case 2:
                return rest.Length == 20 ? new AuthFrame(first, rest) : null;
            case 3:
                return TryName(body, at, out var channel, out var payloadAt) ? new PublishFrame(first, channel, body.AsMemory(payloadAt)) : null;
            default:
                if (!TryUtf8(rest, out var text))
                    return null;
                return opcode == 4 ? new SubscribeFrame(first, text) : new UnsubscribeFrame(first, text);
        }
    }

    private static bool TryName(byte[] body, int at, out string name, out int next)
    {
        name = "";
        next = at;
        if (at >= body.Length || at + 1 + body[at] > body.Length)
            return false;
        next = at + 1 + body[at];
        return TryUtf8(body[(at + 1)..next], out name);
    }

    private static bool TryUtf8(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
