using System.Buffers;

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

    public static ReadOnlySequence<byte> ToSequence(IReadOnlyList<byte[]> pieces)
    {
        if (pieces.Count == 0)
            return ReadOnlySequence<byte>.Empty;
        var first = new Segment(pieces[0], 0);
        var last = first;
        for (var i = 1; i < pieces.Count; i++)
            last = last.Append(pieces[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
