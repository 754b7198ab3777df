using System.Buffers.Binary;
using System.Text;
using CsCheck;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>hpfeeds frames and byte streams: valid frames, and the ways a broker's stream can be wrong (contract.md §2).</summary>
internal static class HpfeedsGen
{
    // Multi-byte UTF-8 and a surrogate pair, so that byte counts and char counts differ.
    private static readonly Gen<string> Text = Gens.Pick("a", "spam.mails", "writer", "é", "中", "😀", "\0", " ", "-", ".", "x").Array[0, 80].Select(string.Concat);

    /// <summary>A strpack8 name: at most 255 UTF-8 bytes.</summary>
    private static readonly Gen<string> Name = Text.Select(t =>
    {
        while (Encoding.UTF8.GetByteCount(t) > FrameEncoder.MaxNameBytes)
            t = t[..^(char.IsLowSurrogate(t[^1]) ? 2 : 1)];
        return t;
    });

    private static readonly Gen<byte[]> Payload = Gen.Frequency((30, Gen.Byte.Array[0, 600]), (1, Gen.Byte.Array[0, 70_000]));

    public static readonly Gen<Frame> Frame = Gen.Frequency(
        (1, Gen.Select(Name, Gen.Byte.Array[InfoFrame.NonceLength], (n, nonce) => (Frame)new InfoFrame(n, nonce))),
        (1, Gen.Select(Name, Gen.Byte.Array[AuthHash.Length], (n, hash) => (Frame)new AuthFrame(n, hash))),
        (4, Gen.Select(Name, Name, Payload, (i, c, p) => (Frame)new PublishFrame(i, c, p))),
        (1, Gen.Select(Name, Name, (i, c) => (Frame)new SubscribeFrame(i, c))),
        (1, Gen.Select(Name, Name, (i, c) => (Frame)new UnsubscribeFrame(i, c))),
        (1, Text.Select(t => (Frame)new ErrorFrame(t))));

    private static readonly uint[] Lengths = [0, 1, 4, 5, 6, 64, 300, 2000, 0x0010_0005, 0x0010_0006, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];

    /// <summary>A header of any length and opcode, and body bytes that may or may not match it.</summary>
    private static readonly Gen<byte[]> RawFrame =
        from length in Gen.Frequency((3, Gens.Pick(Lengths)), (1, Gen.UInt))
        from opcode in Gen.Frequency((3, Gen.Byte[0, 5]), (2, Gen.Byte[6, 255]))
        from body in Gen.Byte.Array[0, 80]
        select Header(length, opcode).Concat(body).ToArray();

    /// <summary>A frame whose header is right and whose body does not parse for its opcode.</summary>
    private static readonly Gen<byte[]> MalformedBody =
        from opcode in Gen.Byte[1, 5]
        from body in Gen.Frequency(
            (2, Gen.Select(Gen.Byte[1, 255], Gen.Byte.Array[0, 40], (n, rest) => rest.Length < n ? [n, .. rest] : new byte[] { 200 })),
            (2, Gen.Select(Gen.Byte.Array[1, 20], b => new[] { (byte)(b.Length + 1), (byte)0xFF }.Concat(b).ToArray())),
            (1, Gen.Byte.Array[0, 30].Select(rest => new byte[] { 0 }.Concat(rest).ToArray())),
            (1, Gen.Const(Array.Empty<byte>())))
        select Header((uint)(FrameHeader.Size + body.Length), opcode).Concat(body).ToArray();

    private static readonly Gen<byte[]> Part = Gen.Frequency(
        (12, Frame.Select(FrameEncoder.Encode)),
        (2, RawFrame),
        (2, MalformedBody),
        (1, Frame.Select(FrameEncoder.Encode).SelectMany(b => Gen.Int[0, b.Length].Select(n => b[..n]))),
        (1, Gen.Byte.Array[0, 40]));

    public static readonly Gen<byte[]> Stream = Part.Array[0, 12].Select(Gens.Concat);

    public static readonly Gen<HpfeedsLimits> Limits = Gen.Frequency(
        (2, Gen.Const(new HpfeedsLimits())),
        (1, Gen.Int[FrameHeader.Size, 300].Select(n => new HpfeedsLimits { MaxFrameBytes = n })),
        (2, Gen.Int[300, 4000].Select(n => new HpfeedsLimits { MaxFrameBytes = n })));

    private static byte[] Header(uint length, byte opcode)
    {
        var header = new byte[FrameHeader.Size];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        header[4] = opcode;
        return header;
    }
}
