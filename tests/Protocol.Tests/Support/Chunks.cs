using System.Buffers;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Tests.Support;

/// <summary>Splits byte arrays into pieces and joins pieces into multi-segment sequences, for feeding code in arbitrary chunks.</summary>
internal static class Chunks
{
    /// <summary>Cuts <paramref name="bytes"/> into consecutive pieces of 0 to <paramref name="maxPiece"/> bytes (empty pieces included).</summary>
    public static List<byte[]> RandomSplit(byte[] bytes, Random random, int maxPiece)
    {
        var pieces = new List<byte[]>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var size = Math.Min(random.Next(0, maxPiece + 1), bytes.Length - offset);
            pieces.Add(bytes[offset..(offset + size)]);
            offset += size;
        }
        return pieces;
    }

    public static ReadOnlySequence<byte> ToSequence(IReadOnlyList<byte[]> pieces) =>
        MemorySegments.ToSequence([.. pieces.Select(p => (ReadOnlyMemory<byte>)p)]);
}
