using System.Buffers.Binary;

namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>
/// The 5 bytes in front of every frame: a big-endian length that counts the header itself, then the opcode.
/// Raw: nothing here checks that the length is at least <see cref="Size"/> or that the opcode is known; the decoder does.
/// </summary>
public readonly record struct FrameHeader(uint Length, Opcode Opcode)
{
    public const int Size = 5;

    public static FrameHeader Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(source), (Opcode)source[4]);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Length);
        destination[4] = (byte)Opcode;
    }
}
