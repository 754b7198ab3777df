using System.Buffers;
using CsCheck;
using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// The hpfeeds <see cref="FrameDecoder"/> fed random streams in random pieces, through both of its entry points.
/// Iteration counts are for CI; bench/fuzz.sh runs the same properties long (see <see cref="FuzzRun"/>).
/// </summary>
public class HpfeedsDecoderFuzzTests
{
    /// <summary>
    /// What one call may allocate: a multiple of the frame limit, never anything sized from a length field over it. A multiple,
    /// and a large one, because this counts garbage too: the lossy UTF-8 decoding of an ERROR frame's text allocates about
    /// 34 bytes per invalid byte in the runtime's replacement fallback (seen in a long run: 35,520 bytes for one ERROR frame under a 3,386-byte limit).
    /// </summary>
    private static long AllocationBound(HpfeedsLimits limits) => 40L * limits.MaxFrameBytes + 64 * 1024;

    /// <summary>Feeds the pieces as a connection would (each piece a span, or a few pieces as one multi-segment sequence).</summary>
    private static HpfeedsDecoding DecodeIncrementally(byte[] stream, int[] cuts, bool asSequences, HpfeedsLimits limits)
    {
        var decoder = new FrameDecoder(limits);
        var frames = new List<Frame>();
        var pieces = Gens.Cut(stream, cuts).ToList();
        var step = asSequences ? 3 : 1;
        for (var i = 0; i < pieces.Count; i += step)
        {
            var group = pieces.Skip(i).Take(step).ToList();
            var error = asSequences ? FeedSequence(decoder, Chunks.ToSequence(group), frames, limits) : FeedSpan(decoder, group[0], frames, limits);
            if (error is not null)
            {
                Assert.Equal(error, decoder.Error);
                Assert.True(Enum.IsDefined(error.Value), $"undocumented error {error}");
                // Stopped for good: frame boundaries are lost.
                Assert.Throws<InvalidOperationException>(() =>
                {
                    ReadOnlySpan<byte> more = [0, 0, 0, 5, 1];
                    decoder.TryDecode(ref more, out _, out _);
                });
                return new(frames, error, false);
            }
        }
        Assert.Null(decoder.Error);
        return new(frames, null, decoder.IsBetweenFrames);
    }

    private static DecodeError? FeedSpan(FrameDecoder decoder, byte[] piece, List<Frame> frames, HpfeedsLimits limits)
    {
        ReadOnlySpan<byte> input = piece;
        while (true)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var found = decoder.TryDecode(ref input, out var frame, out var error);
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound(limits));
            if (!found)
            {
                Assert.True(error is not null || input.IsEmpty, "the decoder stopped short of the piece's end without an error");
                return error;
            }
            Assert.Null(error);
            frames.Add(frame!);
        }
    }

    private static DecodeError? FeedSequence(FrameDecoder decoder, ReadOnlySequence<byte> input, List<Frame> frames, HpfeedsLimits limits)
    {
        while (true)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var found = decoder.TryDecode(ref input, out var frame, out var error);
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound(limits) + 1024);
            if (!found)
            {
                Assert.True(error is not null || input.IsEmpty, "the decoder stopped short of the sequence's end without an error");
                return error;
            }
            frames.Add(frame!);
        }
    }

    private static string Show(byte[] stream, int[] cuts, bool asSequences, HpfeedsLimits limits) =>
        $"max {limits.MaxFrameBytes}, {(asSequences ? "sequences" : "spans")}, cuts [{string.Join(",", cuts)}]: {Convert.ToHexString(stream.AsSpan(0, Math.Min(stream.Length, 2000)))}";

    [Fact]
    public void Any_stream_decodes_as_the_whole_buffer_reading_does_up_to_its_first_error_whatever_the_pieces()
    {
        FuzzRun.Check(Gen.Select(HpfeedsGen.Stream, Gens.Cuts, Gen.Bool, HpfeedsGen.Limits), t =>
        {
            var (stream, cuts, asSequences, limits) = t;
            var expected = HpfeedsReference.Decode(stream, limits);

            var actual = DecodeIncrementally(stream, cuts, asSequences, limits);

            Assert.Equal(expected.Error, actual.Error);
            Assert.Equal(expected.Frames, actual.Frames);
            Assert.Equal(expected.EndsBetweenFrames, actual.EndsBetweenFrames);
        }, ciIterations: 5000, print: t => Show(t.Item1, t.Item2, t.Item3, t.Item4));
    }

    [Fact]
    public void Encoded_frames_come_back_equal_whatever_the_pieces()
    {
        FuzzRun.Check(Gen.Select(HpfeedsGen.Frame.Array[0, 10], Gens.Cuts, Gen.Bool), t =>
        {
            var (frames, cuts, asSequences) = t;
            var writer = new ArrayBufferWriter<byte>();
            foreach (var frame in frames)
            {
                var encoded = FrameEncoder.Encode(frame);
                Assert.Equal(FrameEncoder.GetLength(frame), encoded.Length);
                FrameEncoder.Write(writer, frame);
                Assert.Equal(encoded, writer.WrittenSpan[^encoded.Length..].ToArray());
            }
            var limits = new HpfeedsLimits();

            var decoded = DecodeIncrementally(writer.WrittenSpan.ToArray(), cuts, asSequences, limits);

            Assert.Null(decoded.Error);
            Assert.Equal(frames, decoded.Frames);
            Assert.True(decoded.EndsBetweenFrames);
        }, ciIterations: 2000, print: t => $"{t.Item1.Length} frames, cuts [{string.Join(",", t.Item2)}]: {string.Join(" | ", t.Item1.Select(f => f.ToString()))}");
    }

    [Fact]
    public void A_publish_written_from_a_segmented_payload_is_the_same_bytes()
    {
        var gen = Gen.Select(HpfeedsGen.Frame.Where(f => f is PublishFrame).Select(f => (PublishFrame)f), Gens.Cuts);
        FuzzRun.Check(gen, t =>
        {
            var (publish, cuts) = t;
            var payload = Chunks.ToSequence(Gens.Cut(publish.Payload.ToArray(), cuts).ToList());
            var writer = new ArrayBufferWriter<byte>();

            FrameEncoder.WritePublish(writer, publish.Ident, publish.Channel, payload);

            Assert.Equal(FrameEncoder.Encode(publish), writer.WrittenSpan.ToArray());
        }, ciIterations: 800);
    }
}
