using System.Buffers;
using System.Text;
using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Hpfeeds;

public class FrameDecoderTests
{
    public static TheoryData<string> Vectors => new(Wire.VectorNames);

    /// <summary>Feeds the pieces in order, as a connection would, and lists the frames until the end or the first error.</summary>
    private static (List<Frame> Frames, DecodeError? Error) Decode(IEnumerable<byte[]> pieces, HpfeedsLimits? limits = null)
    {
        var decoder = new FrameDecoder(limits);
        var frames = new List<Frame>();
        foreach (var piece in pieces)
        {
            ReadOnlySpan<byte> input = piece;
            Frame? frame;
            DecodeError? error;
            while (decoder.TryDecode(ref input, out frame, out error))
                frames.Add(frame);
            if (error is not null)
            {
                Assert.Equal(error, decoder.Error);
                return (frames, error);
            }
            Assert.True(input.IsEmpty, "a piece was not taken whole");
        }
        Assert.True(decoder.IsBetweenFrames, "the stream ended inside a frame");
        return (frames, null);
    }

    private static (List<Frame> Frames, DecodeError? Error) Decode(byte[] bytes, HpfeedsLimits? limits = null) => Decode([bytes], limits);

    private static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decodes_the_contract_vector(string name)
    {
        var (frame, bytes) = Wire.Vector(name);

        var (frames, error) = Decode(bytes);

        Assert.Null(error);
        Assert.Equal([frame], frames);
    }

    [Fact]
    public void Decodes_the_info_vector_into_its_name_and_nonce()
    {
        var (frames, _) = Decode(Wire.Raw(17, 1, 7, "hpfeeds", 0x01, 0x20, 0x61, 0xff));

        var info = Assert.IsType<InfoFrame>(Assert.Single(frames));
        Assert.Equal("hpfeeds", info.BrokerName);
        Assert.Equal(new byte[] { 0x01, 0x20, 0x61, 0xff }, info.Nonce.ToArray());
    }

    [Fact]
    public void Reads_the_header_vector_and_waits_for_its_7_body_bytes()
    {
        // op 1 with body "abcdefg" is a header vector, not a valid INFO: 'a' (97) as a name length runs past the end.
        var bytes = Wire.Bytes(0, 0, 0, 0x0c, 1, "abcdefg");
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = bytes.AsSpan(0, 11);

        Assert.False(decoder.TryDecode(ref input, out _, out var pending));
        Assert.Null(pending);
        Assert.False(decoder.IsBetweenFrames);
        input = bytes.AsSpan(11);
        Assert.False(decoder.TryDecode(ref input, out _, out var error));
        Assert.Equal(DecodeError.Malformed, error);
    }

    [Theory]
    [InlineData("whole")]
    [InlineData("bytes")]
    [InlineData("pieces")]
    [InlineData("sequence")]
    public void Gives_back_many_random_frames_in_order_however_the_stream_is_cut(string cut)
    {
        var random = new Random(2033);
        var frames = RandomFrames(random, 300);
        var stream = Concat(frames.Select(FrameEncoder.Encode));

        var decoded = cut switch
        {
            "whole" => Decode(stream),
            "bytes" => Decode(stream.Select(b => new[] { b })),
            "pieces" => Decode(Chunks.RandomSplit(stream, random, 700)),
            _ => DecodeSequences(stream, random),
        };

        Assert.Null(decoded.Error);
        Assert.Equal(frames, decoded.Frames);
    }

    /// <summary>Like a System.IO.Pipelines reader: each read sees a multi-segment buffer.</summary>
    private static (List<Frame> Frames, DecodeError? Error) DecodeSequences(byte[] stream, Random random)
    {
        var decoder = new FrameDecoder();
        var frames = new List<Frame>();
        var offset = 0;
        while (offset < stream.Length)
        {
            var size = Math.Min(random.Next(0, 5000), stream.Length - offset);
            var buffer = Chunks.ToSequence(Chunks.RandomSplit(stream[offset..(offset + size)], random, 300));
            offset += size;
            while (decoder.TryDecode(ref buffer, out var frame, out var error))
                frames.Add(frame);
            Assert.True(buffer.IsEmpty);
        }
        return (frames, decoder.Error);
    }

    [Fact]
    public void Leaves_the_input_at_the_next_frame()
    {
        var first = FrameEncoder.Encode(new SubscribeFrame("ident", "chan"));
        var second = FrameEncoder.Encode(new ErrorFrame("bye"));
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Concat([first, second, [0, 0]]);

        Assert.True(decoder.TryDecode(ref input, out var one, out _));
        Assert.Equal(second.Length + 2, input.Length);
        Assert.True(decoder.TryDecode(ref input, out var two, out _));
        Assert.Equal(2, input.Length);
        Assert.False(decoder.TryDecode(ref input, out _, out var error));
        Assert.Null(error);
        Assert.True(input.IsEmpty);
        Assert.False(decoder.IsBetweenFrames);
        Assert.Equal(new SubscribeFrame("ident", "chan"), one);
        Assert.Equal(new ErrorFrame("bye"), two);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(4u)]
    public void Refuses_a_length_below_the_header_from_the_length_field_alone(uint length)
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Raw(length, 3).AsSpan(0, 4);

        Assert.False(decoder.TryDecode(ref input, out _, out var error));

        Assert.Equal(DecodeError.LengthBelowHeader, error);
        Assert.Equal(DecodeError.LengthBelowHeader, decoder.Error);
    }

    [Fact]
    public void Accepts_a_frame_of_exactly_the_limit_and_refuses_one_byte_more()
    {
        var limits = new HpfeedsLimits { MaxFrameBytes = 100 };
        var fits = new PublishFrame("i", "c", new byte[100 - 9]);
        var over = fits with { Payload = new byte[100 - 8] };

        Assert.Equal([fits], Decode(FrameEncoder.Encode(fits), limits).Frames);
        Assert.Equal(DecodeError.FrameTooLarge, Decode(FrameEncoder.Encode(over), limits).Error);
    }

    [Fact]
    public void Round_trips_a_publish_of_exactly_the_reference_brokers_limit_and_refuses_one_byte_more()
    {
        var payload = new byte[1_048_558];
        new Random(558).NextBytes(payload);
        var fits = new PublishFrame("writer", "spam.mails", payload);
        var over = fits with { Payload = new byte[payload.Length + 1] };
        var overBytes = FrameEncoder.Encode(over);

        Assert.Equal([fits], Decode(Chunks.RandomSplit(FrameEncoder.Encode(fits), new Random(1), 65_536)).Frames);
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = overBytes;
        Assert.False(decoder.TryDecode(ref input, out _, out var error));
        Assert.Equal(DecodeError.FrameTooLarge, error);
        Assert.Equal(overBytes.Length - 4, input.Length); // refused from the length field, none of the body taken
    }

    [Theory]
    [InlineData(0x0010_0006u)] // default limit + 1
    [InlineData(0x8000_0000u)] // 2 GiB
    [InlineData(0xffff_ffffu)]
    public void Refuses_an_oversized_length_from_the_length_field_alone_without_allocating(uint length)
    {
        var header = Wire.Raw(length, 3).AsSpan(0, 4).ToArray();
        var warmUp = new FrameDecoder();
        ReadOnlySpan<byte> warmUpInput = header;
        warmUp.TryDecode(ref warmUpInput, out _, out _);
        // The largest limit possible: the length must still be refused, not allocated.
        var decoder = new FrameDecoder(new HpfeedsLimits { MaxFrameBytes = length >= 0x8000_0000u ? int.MaxValue : 0x0010_0005 });
        ReadOnlySpan<byte> input = header;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = decoder.TryDecode(ref input, out _, out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(found);
        Assert.Equal(DecodeError.FrameTooLarge, error);
        Assert.InRange(allocated, 0, 256);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(9)]
    [InlineData(255)]
    public void Refuses_an_unknown_opcode_from_the_header_alone(int opcode)
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Raw(5 + 4, opcode);

        Assert.False(decoder.TryDecode(ref input, out _, out var error));

        Assert.Equal(DecodeError.UnknownOpcode, error);
    }

    [Theory]
    [InlineData("publish with no ident length", 3, "")]
    [InlineData("publish ident truncated", 3, "05 6964")]
    [InlineData("publish with no channel length", 3, "05 6964656e74")]
    [InlineData("publish channel truncated", 3, "05 6964656e74 04 6368")]
    [InlineData("publish ident not utf-8", 3, "02 c328 04 6368616e 78")]
    [InlineData("subscribe with no ident length", 4, "")]
    [InlineData("subscribe ident truncated", 4, "ff 6964")]
    [InlineData("subscribe channel not utf-8", 4, "01 69 ff")]
    [InlineData("unsubscribe ident truncated", 5, "06 6964656e74")]
    [InlineData("auth hash of 19 bytes", 2, "01 69 00000000000000000000000000000000000000")]
    [InlineData("auth hash of 21 bytes", 2, "01 69 000000000000000000000000000000000000000000")]
    [InlineData("auth with no hash", 2, "01 69")]
    [InlineData("info nonce of 3 bytes", 1, "07 687066656564 73 012061")]
    [InlineData("info nonce of 5 bytes", 1, "07 687066656564 73 012061ff00")]
    [InlineData("info name truncated", 1, "08 687066656564 73 012061")]
    [InlineData("info with no body", 1, "")]
    public void Refuses_a_body_that_does_not_parse_as_malformed(string why, int opcode, string bodyHex)
    {
        var body = Convert.FromHexString(bodyHex.Replace(" ", "", StringComparison.Ordinal));
        var bytes = Wire.Raw((uint)(FrameHeader.Size + body.Length), opcode, body);

        var (frames, error) = Decode(Chunks.RandomSplit(bytes, new Random(why.Length), 3));

        Assert.Empty(frames);
        Assert.Equal(DecodeError.Malformed, error);
    }

    [Fact]
    public void Decodes_an_error_text_that_is_not_utf8_with_replacement_characters()
    {
        var (frames, error) = Decode(Wire.Raw(5 + 4, 0, "ok", 0xff, "!"));

        Assert.Null(error);
        Assert.Equal([new ErrorFrame("ok\ufffd!")], frames);
    }

    [Fact]
    public void Keeps_the_frames_before_an_error_and_stops()
    {
        var good = FrameEncoder.Encode(new PublishFrame("a", "b", "c"u8.ToArray()));

        var (frames, error) = Decode(Chunks.RandomSplit(Concat([good, good, Wire.Raw(5, 9), good]), new Random(3), 5));

        Assert.Equal(2, frames.Count);
        Assert.Equal(DecodeError.UnknownOpcode, error);
    }

    [Fact]
    public void Cannot_be_used_again_after_an_error()
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Raw(3, 0);
        decoder.TryDecode(ref input, out _, out _);
        var sequence = new ReadOnlySequence<byte>(FrameEncoder.Encode(new ErrorFrame("x")));

        Assert.Equal(DecodeError.LengthBelowHeader, decoder.Error);
        Assert.Throws<InvalidOperationException>(() =>
        {
            ReadOnlySpan<byte> more = FrameEncoder.Encode(new ErrorFrame("x"));
            return decoder.TryDecode(ref more, out _, out _);
        });
        Assert.Throws<InvalidOperationException>(() => decoder.TryDecode(ref sequence, out _, out _));
    }

    [Fact]
    public void Refuses_a_limit_below_the_header_size()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameDecoder(new HpfeedsLimits { MaxFrameBytes = 4 }));
    }

    [Fact]
    public void Allocates_little_more_than_a_publish_body_to_decode_it()
    {
        var frame = new PublishFrame("writer", "spam.mails", new byte[500_000]);
        var pieces = Chunks.RandomSplit(FrameEncoder.Encode(frame), new Random(5), 8192);
        Decode(pieces); // JIT out of the count

        // The least of a few runs: the runtime may allocate on this thread now and then for its own reasons (tiering).
        var allocated = long.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var decoder = new FrameDecoder();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var frames = 0;
            foreach (var piece in pieces)
            {
                ReadOnlySpan<byte> input = piece;
                while (decoder.TryDecode(ref input, out _, out _))
                    frames++;
            }
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(1, frames);
        }

        Assert.InRange(allocated, 500_000, 500_000 + 1024);
    }

    [Theory]
    [InlineData("writer", "spam.mails")]
    [InlineData("écrivain", "spam.courriels.ü")]
    [InlineData("作家", "垃圾邮件")]
    [InlineData("🐝", "chan 🍯 with spaces")]
    [InlineData("", "")]
    public void Round_trips_utf8_names_in_every_frame_kind(string ident, string channel)
    {
        Frame[] frames =
        [
            new PublishFrame(ident, channel, Encoding.UTF8.GetBytes(channel)),
            new PublishFrame(ident, channel, Array.Empty<byte>()),
            new SubscribeFrame(ident, channel),
            new UnsubscribeFrame(ident, channel),
            new AuthFrame(ident, AuthHash.Compute("rand"u8, channel)),
            new InfoFrame(channel, "\0\0\0\0"u8.ToArray()),
            new ErrorFrame($"Authkey not allowed to pub here. ident={ident}, chan={channel}"),
            new ErrorFrame(""),
        ];

        var (decoded, error) = Decode(Chunks.RandomSplit(Concat(frames.Select(FrameEncoder.Encode)), new Random(ident.Length), 4));

        Assert.Null(error);
        Assert.Equal(frames, decoded);
    }

    [Fact]
    public void Decodes_a_publish_with_an_empty_payload_from_its_names_alone()
    {
        var (frames, _) = Decode(Wire.Bytes(0, 0, 0, 11, 3, 1, "i", 3, "c.d"));

        var publish = Assert.IsType<PublishFrame>(Assert.Single(frames));
        Assert.Equal("i", publish.Ident);
        Assert.Equal("c.d", publish.Channel);
        Assert.True(publish.Payload.IsEmpty);
    }

    private static List<Frame> RandomFrames(Random random, int count)
    {
        string Name(int maxChars)
        {
            var alphabet = random.Next(4) == 0 ? "aé€🐝" : "abcdefghijklmnopqrstuvwxyz.-_0123456789";
            var chars = new StringBuilder();
            var length = random.Next(0, maxChars + 1);
            while (Encoding.UTF8.GetByteCount(chars.ToString()) + 4 <= FrameEncoder.MaxNameBytes && chars.Length < length)
            {
                var at = random.Next(alphabet.Length);
                chars.Append(char.IsHighSurrogate(alphabet[at]) ? alphabet.Substring(at, 2) : char.IsLowSurrogate(alphabet[at]) ? "z" : alphabet[at]);
            }
            return chars.ToString();
        }

        byte[] Bytes(int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        var frames = new List<Frame>();
        for (var i = 0; i < count; i++)
        {
            frames.Add(random.Next(6) switch
            {
                0 => new ErrorFrame(Name(100)),
                1 => new InfoFrame(Name(20), Bytes(InfoFrame.NonceLength)),
                2 => new AuthFrame(Name(20), Bytes(AuthHash.Length)),
                3 => new SubscribeFrame(Name(20), Name(300)),
                4 => new UnsubscribeFrame(Name(20), Name(20)),
                _ => new PublishFrame(Name(20), Name(300), Bytes(random.Next(10) == 0 ? random.Next(70_000) : random.Next(300))),
            });
        }
        return frames;
    }
}
