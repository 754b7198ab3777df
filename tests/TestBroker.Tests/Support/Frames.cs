using System.Text;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.TestBroker.Tests.Support;

internal static class Frames
{
    /// <summary>A frame with whatever header fields a test wants, over the limits or not, and the given body.</summary>
    public static byte[] Raw(long length, int opcode, byte[] body)
    {
        var bytes = new byte[FrameHeader.Size + body.Length];
        new FrameHeader(checked((uint)length), (Opcode)opcode).WriteTo(bytes);
        body.CopyTo(bytes, FrameHeader.Size);
        return bytes;
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(PublishFrame frame) => Encoding.UTF8.GetString(frame.Payload.Span);

    public static string[] Texts(IEnumerable<PublishFrame> frames) => frames.Select(Text).ToArray();
}
