namespace SmtpCollector.Actors.Tests.Support;

/// <summary>Ways to cut a client's bytes into reads: whole, a byte at a time, and random sizes from a fixed seed.</summary>
public static class Chunking
{
    public static IReadOnlyList<byte[]> Whole(byte[] bytes) => [bytes];

    public static IReadOnlyList<byte[]> ByteByByte(byte[] bytes) => bytes.Select(b => new[] { b }).ToArray();

    public static IReadOnlyList<byte[]> Random(byte[] bytes, int seed, int maxChunk = 64)
    {
        var random = new Random(seed);
        var chunks = new List<byte[]>();
        for (var at = 0; at < bytes.Length;)
        {
            var size = Math.Min(bytes.Length - at, random.Next(1, maxChunk + 1));
            chunks.Add(bytes[at..(at + size)]);
            at += size;
        }
        return chunks;
    }

    public static IReadOnlyList<byte[]> Cut(string mode, byte[] bytes, int seed) => mode switch
    {
        "whole" => Whole(bytes),
        "byte-by-byte" => ByteByByte(bytes),
        _ => Random(bytes, seed),
    };
}
