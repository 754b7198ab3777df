using System.Text;
using System.Text.Unicode;

namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>Reads one frame's body. Byte fields are slices of the body array handed in, which the frame then owns.</summary>
internal static class FrameParser
{
    /// <summary>The frame, or null when the body does not parse for its opcode.</summary>
    public static Frame? Parse(Opcode opcode, byte[] body)
    {
        var at = 0;
        switch (opcode)
        {
            case Opcode.Error:
                // Only ever logged, and the broker hangs up after it anyway: a stray byte is not worth failing over.
                return new ErrorFrame(Encoding.UTF8.GetString(body));
            case Opcode.Info:
                return TryReadName(body, ref at, out var name) && body.Length - at == InfoFrame.NonceLength
                    ? new InfoFrame(name, body.AsMemory(at))
                    : null;
            case Opcode.Auth:
                return TryReadName(body, ref at, out var authIdent) && body.Length - at == AuthHash.Length
                    ? new AuthFrame(authIdent, body.AsMemory(at))
                    : null;
            case Opcode.Publish:
                return TryReadName(body, ref at, out var ident) && TryReadName(body, ref at, out var channel)
                    ? new PublishFrame(ident, channel, body.AsMemory(at))
                    : null;
            case Opcode.Subscribe:
                return TryReadName(body, ref at, out var subIdent) && TryReadRest(body, at, out var subChannel)
                    ? new SubscribeFrame(subIdent, subChannel)
                    : null;
            case Opcode.Unsubscribe:
                return TryReadName(body, ref at, out var unsubIdent) && TryReadRest(body, at, out var unsubChannel)
                    ? new UnsubscribeFrame(unsubIdent, unsubChannel)
                    : null;
            default:
                return null;
        }
    }

    // strpack8: one length byte, then that many bytes of UTF-8. Names must be valid UTF-8: replacing bytes would turn
    // one channel or ident into another.
    private static bool TryReadName(byte[] body, ref int at, out string name)
    {
        name = "";
        if (at >= body.Length)
            return false;
        var length = body[at];
        if (length > body.Length - at - 1)
            return false;
        var bytes = body.AsSpan(at + 1, length);
        if (!Utf8.IsValid(bytes))
            return false;
        name = Encoding.UTF8.GetString(bytes);
        at += 1 + length;
        return true;
    }

    private static bool TryReadRest(byte[] body, int at, out string text)
    {
        var bytes = body.AsSpan(at);
        var valid = Utf8.IsValid(bytes);
        text = valid ? Encoding.UTF8.GetString(bytes) : "";
        return valid;
    }
}
