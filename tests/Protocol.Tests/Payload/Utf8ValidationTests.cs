using System.Text;
using System.Text.Unicode;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Payload;

public class Utf8ValidationTests
{
    private static bool IsValid(params byte[][] pieces) => Utf8Validation.IsValid(Chunks.ToSequence(pieces));

    /// <summary>Bytes biased towards what makes UTF-8 interesting: lead bytes of every length, continuations, and the never-valid ones.</summary>
    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = random.Next(6) switch
            {
                0 => (byte)random.Next(0x00, 0x80),
                1 or 2 => (byte)random.Next(0x80, 0xC0),
                3 => (byte)random.Next(0xC0, 0xE0),
                4 => (byte)random.Next(0xE0, 0xF0),
                _ => (byte)random.Next(0xF0, 0x100),
            };
        }
        return bytes;
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var rune = random.Next(4) switch
            {
                0 => new Rune(random.Next(0x00, 0x80)),
                1 => new Rune(random.Next(0x80, 0x800)),
                2 => new Rune(random.Next(0xE000, 0x10000)),
                _ => new Rune(random.Next(0x10000, 0x110000)),
            };
            text.Append(rune.ToString());
        }
        return text.ToString();
    }

    [Fact]
    public void Agrees_with_whole_buffer_validation_on_random_bytes_split_anywhere()
    {
        var random = new Random(42);
        var valid = 0;
        for (var iteration = 0; iteration < 20_000; iteration++)
        {
            var bytes = RandomBytes(random, random.Next(0, 24));
            var expected = Utf8.IsValid(bytes);
            valid += expected ? 1 : 0;

            Assert.Equal(expected, Utf8Validation.IsValid(Chunks.ToSequence(Chunks.RandomSplit(bytes, random, 5))));
        }
        // The generator must produce both answers often enough for the comparison to mean something.
        Assert.InRange(valid, 1000, 19_000);
    }

    [Fact]
    public void Accepts_valid_text_split_anywhere_and_agrees_once_it_is_truncated()
    {
        var random = new Random(4242);
        for (var iteration = 0; iteration < 5_000; iteration++)
        {
            var bytes = Encoding.UTF8.GetBytes(RandomText(random, random.Next(1, 16)));
            Assert.True(Utf8.IsValid(bytes));

            Assert.True(Utf8Validation.IsValid(Chunks.ToSequence(Chunks.RandomSplit(bytes, random, 6))));

            var cut = random.Next(0, bytes.Length);
            byte[] damaged = [.. bytes[..cut], .. bytes[(cut + 1)..]];
            Assert.Equal(Utf8.IsValid(damaged), Utf8Validation.IsValid(Chunks.ToSequence(Chunks.RandomSplit(damaged, random, 6))));
        }
    }

    [Fact]
    public void Accepts_a_four_byte_character_split_into_single_bytes()
    {
        Assert.True(IsValid("a"u8.ToArray(), [0xF0], [0x9F], [], [0x98], [0x80], "b"u8.ToArray()));
    }

    [Fact]
    public void Refuses_a_character_cut_off_at_the_end()
    {
        Assert.False(IsValid("a"u8.ToArray(), [0xE2, 0x82]));
        Assert.False(IsValid("a"u8.ToArray(), [0xE2], [0x82]));
    }

    [Fact]
    public void Refuses_an_overlong_or_surrogate_sequence_split_across_segments()
    {
        Assert.False(IsValid([0x41, 0xC0], [0xAF]));
        Assert.False(IsValid([0xE0], [0x80, 0x80]));
        Assert.False(IsValid([0xED, 0xA0], [0x80]));
        Assert.False(IsValid([0xF4], [0x90, 0x80, 0x80]));
    }

    [Fact]
    public void Refuses_a_lead_byte_followed_by_ascii_in_the_next_segment()
    {
        Assert.False(IsValid([0x41, 0xE2], "AB"u8.ToArray()));
    }

    [Fact]
    public void Accepts_the_empty_sequence()
    {
        Assert.True(IsValid());
        Assert.True(IsValid([], []));
    }
}
