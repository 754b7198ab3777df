using System.Buffers;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Tests.Payload;

public class SegmentedBufferWriterTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(100_000, 1)]
    [InlineData(300_000, 2)]
    public void Keeps_every_byte_in_order_whatever_the_pieces(int length, int seed)
    {
        var random = new Random(seed);
        var expected = new byte[length];
        random.NextBytes(expected);
        var writer = new SegmentedBufferWriter(segmentBytes: 4096);

        for (var at = 0; at < length;)
        {
            // Ask for anything from nothing to more than a segment, then write any part of what was given.
            var span = writer.GetSpan(random.Next(0, 10_000));
            var n = Math.Min(random.Next(0, span.Length + 1), length - at);
            expected.AsSpan(at, n).CopyTo(span);
            writer.Advance(n);
            at += n;
        }

        Assert.Equal(length, writer.WrittenCount);
        Assert.Equal(expected, writer.WrittenSequence.ToArray());
        Assert.Equal(length, writer.WrittenSegments.Sum(s => (long)s.Length));
    }

    [Fact]
    public void Never_moves_what_it_has_handed_out()
    {
        var writer = new SegmentedBufferWriter(segmentBytes: 16);
        var header = writer.GetMemory(4)[..4];
        writer.Advance(4);
        writer.Write(new byte[1000]);

        "ABCD"u8.CopyTo(header.Span);

        Assert.Equal("ABCD"u8.ToArray(), writer.WrittenSequence.Slice(0, 4).ToArray());
    }

    [Fact]
    public void Gives_a_request_larger_than_a_segment_all_it_asked_for()
    {
        var writer = new SegmentedBufferWriter(segmentBytes: 16);

        Assert.True(writer.GetSpan(100_000).Length >= 100_000);
    }

    [Fact]
    public void Refuses_to_advance_past_the_memory_handed_out()
    {
        var writer = new SegmentedBufferWriter(segmentBytes: 16);
        var handedOut = writer.GetSpan(8).Length;

        Assert.Throws<InvalidOperationException>(() => writer.Advance(handedOut + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Written_segments_are_the_writers_own_memory_not_copies()
    {
        var writer = new SegmentedBufferWriter(segmentBytes: 16);
        var memory = writer.GetMemory(8);
        writer.Advance(8);

        memory.Span[0] = 42;

        Assert.Equal(42, writer.WrittenSegments[0].Span[0]);
    }
}
