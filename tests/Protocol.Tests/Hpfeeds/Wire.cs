using System.Text;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.Protocol.Tests.Hpfeeds;

/// <summary>Builds wire bytes the way contract.md §2 writes them, and holds its test vectors.</summary>
internal static class Wire
{
    /// <summary>Concatenates parts: a string as its UTF-8 bytes, an int as one byte, a byte array as is.</summary>
    public static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            switch (part)
            {
                case string text:
                    bytes.AddRange(Encoding.UTF8.GetBytes(text));
                    break;
                case int value:
                    bytes.Add(checked((byte)value));
                    break;
                case byte[] array:
                    bytes.AddRange(array);
                    break;
                default:
                    throw new ArgumentException($"Cannot turn {part} into bytes.");
            }
        }
        return [.. bytes];
    }

    /// <summary>A frame with the given raw header fields and body, valid or not.</summary>
    public static byte[] Raw(uint length, int opcode, params object[] body)
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(length, (Opcode)opcode).WriteTo(header);
        return Bytes([header, .. body]);
    }

    public static readonly byte[] AuthVectorHash = Convert.FromHexString("bfa95e1149cd9e7380fdfc614a57095ab719c1b4");

    public static readonly byte[] InfoVectorNonce = [0x01, 0x20, 0x61, 0xff];

    public static readonly string[] VectorNames = ["publish", "subscribe", "auth", "info"];

    /// <summary>The contract's vectors: a frame and its exact bytes.</summary>
    public static (Frame Frame, byte[] Bytes) Vector(string name) => name switch
    {
        "publish" => (new PublishFrame("ident", "chan", "somedata"u8.ToArray()),
            Bytes(0, 0, 0, 0x18, 3, 5, "ident", 4, "chan", "somedata")),
        "subscribe" => (new SubscribeFrame("ident", "chan"),
            Bytes(0, 0, 0, 0x0f, 4, 5, "ident", "chan")),
        "auth" => (new AuthFrame("ident", AuthVectorHash),
            Bytes(0, 0, 0, 0x1f, 2, 5, "ident", AuthVectorHash)),
        // The contract gives the INFO body only; the header is 5 + 12 = 17 bytes long.
        "info" => (new InfoFrame("hpfeeds", InfoVectorNonce),
            Bytes(0, 0, 0, 0x11, 1, 7, "hpfeeds", InfoVectorNonce)),
        _ => throw new ArgumentException(name),
    };
}
