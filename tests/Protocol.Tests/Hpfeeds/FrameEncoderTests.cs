using System.Buffers;
using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Hpfeeds;

public class FrameEncoderTests
{
    public static TheoryData<string> Vectors => new(Wire.VectorNames);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encodes_the_contract_vector_byte_exact(string name)
    {
        var (frame, bytes) = Wire.Vector(name);

        Assert.Equal(bytes, FrameEncoder.Encode(frame));
        Assert.Equal(bytes.Length, FrameEncoder.GetLength(frame));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Writes_the_contract_vector_into_a_buffer_writer_after_what_is_there(string name)
    {
        var (frame, bytes) = Wire.Vector(name);
        var writer = new ArrayBufferWriter<byte>(1);
        writer.Write("xy"u8);

        FrameEncoder.Write(writer, frame);

        Assert.Equal(Wire.Bytes("xy", bytes), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Writes_the_header_vector_byte_exact()
    {
        var bytes = new byte[FrameHeader.Size];

        new FrameHeader(FrameHeader.Size + 7, Opcode.Info).WriteTo(bytes);

        Assert.Equal(Wire.Bytes(0, 0, 0, 0x0c, 1, "abcdefg")[..5], bytes);
        Assert.Equal(new FrameHeader(12, Opcode.Info), FrameHeader.Read(Wire.Bytes(0, 0, 0, 0x0c, 1, "abcdefg")));
    }

    [Fact]
    public void Encodes_an_error_as_its_utf8_text()
    {
        var bytes = FrameEncoder.Encode(new ErrorFrame("Authentication failed for wrïter"));

        Assert.Equal(Wire.Bytes(0, 0, 0, 38, 0, "Authentication failed for wrïter"), bytes);
    }

    [Fact]
    public void Encodes_an_unsubscribe_like_a_subscribe_with_its_own_opcode()
    {
        var bytes = FrameEncoder.Encode(new UnsubscribeFrame("ident", "chan"));

        Assert.Equal(Wire.Bytes(0, 0, 0, 0x0f, 5, 5, "ident", "chan"), bytes);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1000, 1)]
    [InlineData(100_000, 4096)]
    [InlineData(100_000, 100_001)]
    public void Writes_a_publish_from_a_multi_segment_payload_like_the_whole_frame(int length, int maxPiece)
    {
        var random = new Random(length + maxPiece);
        var payload = new byte[length];
        random.NextBytes(payload);
        var sequence = Chunks.ToSequence(Chunks.RandomSplit(payload, random, maxPiece));
        var fromSequence = new ArrayBufferWriter<byte>();
        var fromSpan = new ArrayBufferWriter<byte>();

        FrameEncoder.WritePublish(fromSequence, "writer", "spam.mails", sequence);
        FrameEncoder.WritePublish(fromSpan, "writer", "spam.mails", payload);

        var expected = FrameEncoder.Encode(new PublishFrame("writer", "spam.mails", payload));
        Assert.Equal(expected, fromSequence.WrittenSpan.ToArray());
        Assert.Equal(expected, fromSpan.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(100_000, 4096)]
    public void Writes_a_publish_whose_payload_is_written_in_place_like_the_whole_frame(int length, int maxPiece)
    {
        var random = new Random(length + maxPiece);
        var payload = new byte[length];
        random.NextBytes(payload);
        var pieces = Chunks.RandomSplit(payload, random, maxPiece);
        // Small segments, so that the prefix and the payload are cut across many of them.
        var writer = new SegmentedBufferWriter(segmentBytes: 1000);
        writer.Write("before"u8);

        var written = FrameEncoder.WritePublish(writer, "writer", "spam.mails", destination =>
        {
            foreach (var piece in pieces)
                destination.Write(piece);
        });

        Assert.Equal(length, written);
        Assert.Equal([.. "before"u8, .. FrameEncoder.Encode(new PublishFrame("writer", "spam.mails", payload))], writer.WrittenSequence.ToArray());
    }

    [Fact]
    public void Writes_a_publish_payload_without_copying_it_anywhere_else()
    {
        var payload = new byte[1_048_558];
        new Random(7).NextBytes(payload);
        var sequence = Chunks.ToSequence(Chunks.RandomSplit(payload, new Random(8), 70_000));
        var writer = new ArrayBufferWriter<byte>(2_000_000);
        FrameEncoder.WritePublish(new ArrayBufferWriter<byte>(2_000_000), "writer", "spam.mails", sequence); // JIT out of the count

        // The least of a few runs: the runtime may allocate on this thread now and then for its own reasons (tiering).
        var allocated = long.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            writer.ResetWrittenCount();
            var before = GC.GetAllocatedBytesForCurrentThread();
            FrameEncoder.WritePublish(writer, "writer", "spam.mails", sequence);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.InRange(allocated, 0, 1024);
        Assert.Equal(payload, writer.WrittenSpan[^payload.Length..].ToArray());
    }

    [Fact]
    public void Measures_the_reference_brokers_largest_publish_for_the_default_names()
    {
        // contract.md §2: for ident "writer" and channel "spam.mails" at most 1,048,558 payload bytes.
        Assert.Equal(new HpfeedsLimits().MaxFrameBytes, FrameEncoder.PublishLength("writer", "spam.mails", 1_048_558));
        Assert.Equal(FrameHeader.Size + 1_048_576, new HpfeedsLimits().MaxFrameBytes);
    }

    [Theory]
    [InlineData(255, 1)]
    [InlineData(127, 2)] // é: 254 bytes
    [InlineData(85, 3)] // €: 255 bytes
    [InlineData(63, 4)] // 🐝: 252 bytes
    public void Accepts_names_of_up_to_255_utf8_bytes(int count, int bytesPerChar)
    {
        var name = string.Concat(Enumerable.Repeat(Char(bytesPerChar), count));

        var bytes = FrameEncoder.Encode(new PublishFrame(name, name, Array.Empty<byte>()));

        Assert.Equal(count * bytesPerChar, bytes[FrameHeader.Size]);
        Assert.Equal(FrameHeader.Size + 2 * (1 + count * bytesPerChar), bytes.Length);
    }

    [Theory]
    [InlineData(256, 1)]
    [InlineData(128, 2)] // 128 characters, 256 bytes
    [InlineData(86, 3)]
    [InlineData(64, 4)]
    public void Refuses_every_kind_of_name_over_255_utf8_bytes_before_writing_anything(int count, int bytesPerChar)
    {
        var name = string.Concat(Enumerable.Repeat(Char(bytesPerChar), count));
        Frame[] frames =
        [
            new PublishFrame(name, "chan", "x"u8.ToArray()),
            new PublishFrame("ident", name, "x"u8.ToArray()),
            new SubscribeFrame(name, "chan"),
            new SubscribeFrame("ident", name),
            new UnsubscribeFrame("ident", name),
            new AuthFrame(name, new byte[20]),
            new InfoFrame(name, new byte[4]),
        ];

        foreach (var frame in frames)
        {
            var writer = new ArrayBufferWriter<byte>();
            Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.Write(writer, frame));
            Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.Encode(frame));
            Assert.Equal(0, writer.WrittenCount);
        }
        Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.WritePublish(new ArrayBufferWriter<byte>(), name, "chan", ReadOnlySequence<byte>.Empty));
    }

    [Fact]
    public void Refuses_a_name_that_is_not_valid_utf16()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.Encode(new PublishFrame("writer", "spam\ud800", Array.Empty<byte>())));

        Assert.Equal("channel", ex.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public void Refuses_an_info_nonce_that_is_not_4_bytes(int length)
    {
        Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.Encode(new InfoFrame("hpfeeds", new byte[length])));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    [InlineData(21)]
    public void Refuses_an_auth_hash_that_is_not_20_bytes(int length)
    {
        Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.Encode(new AuthFrame("ident", new byte[length])));
    }

    [Fact]
    public void Refuses_a_publish_whose_length_would_not_fit_in_32_bits_before_writing_anything()
    {
        // 4097 segments over one 1 MiB array: a 4 GiB + 1 MiB payload without 4 GiB of memory.
        var block = new byte[1 << 20];
        var payload = Chunks.ToSequence(Enumerable.Repeat(block, 4097).ToList());
        var writer = new ArrayBufferWriter<byte>();

        Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.WritePublish(writer, "writer", "spam.mails", payload));
        Assert.ThrowsAny<ArgumentException>(() => FrameEncoder.PublishLength("writer", "spam.mails", uint.MaxValue));
        Assert.Equal(0, writer.WrittenCount);
        Assert.Equal(uint.MaxValue, FrameEncoder.PublishLength("", "", uint.MaxValue - 7));
    }

    private static string Char(int utf8Bytes) => utf8Bytes switch
    {
        1 => "a",
        2 => "é",
        3 => "€",
        _ => "🐝",
    };
}
