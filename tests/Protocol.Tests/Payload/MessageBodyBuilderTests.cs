using System.Security.Cryptography;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Payload;

public class MessageBodyBuilderTests
{
    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(4095, null)]
    [InlineData(4097, null)]
    [InlineData(300_000, null)]
    [InlineData(300_000, 300_000L)]
    [InlineData(300_000, 1_000L)]
    [InlineData(300_000, 2_000_000L)]
    [InlineData(90_000, 90_000L)]
    public void Gives_back_the_exact_bytes_and_their_sha256(int length, long? declared)
    {
        var random = new Random(length);
        var bytes = RandomBytes(random, length);
        var builder = new MessageBodyBuilder(1_000_000, declared);

        foreach (var piece in Chunks.RandomSplit(bytes, random, 9000))
        {
            var before = builder.Capacity;
            var predicted = builder.CapacityNeededFor(piece.Length);
            builder.Append(piece);
            Assert.Equal(predicted, builder.Capacity - before);
        }
        var (body, sha256) = builder.Build();

        Assert.False(builder.TooBig);
        Assert.Equal(length, builder.Length);
        Assert.Equal(length, body.Length);
        Assert.Equal(bytes, body.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha256);
        Assert.All(body.Blocks, block => Assert.InRange(block.Length, 1, MessageBodyBuilder.MaxBlockBytes));
        Assert.Equal(body.Blocks.Sum(b => (long)b.Length), body.Length);
        Assert.True(builder.Capacity >= length);
    }

    [Fact]
    public void Predicts_the_capacity_growth_of_every_append()
    {
        var random = new Random(99);
        for (var iteration = 0; iteration < 200; iteration++)
        {
            var max = random.Next(1, 400_000);
            long? declared = random.Next(3) == 0 ? null : random.Next(0, 500_000);
            var builder = new MessageBodyBuilder(max, declared);
            var total = random.Next(0, 450_000);
            while (builder.Length < total)
            {
                var count = random.Next(0, 100_000);
                var before = builder.Capacity;
                var predicted = builder.CapacityNeededFor(count);
                builder.Append(new byte[count]);
                Assert.Equal(predicted, builder.Capacity - before);
                Assert.True(builder.Capacity <= max + MessageBodyBuilder.MaxBlockBytes,
                    $"capacity {builder.Capacity} for a limit of {max}");
            }
        }
    }

    [Fact]
    public void Fits_a_declared_size_in_one_block()
    {
        var bytes = RandomBytes(new Random(5), 50_000);
        var builder = new MessageBodyBuilder(1_000_000, expectedBytes: bytes.Length);

        builder.Append(bytes.AsSpan(0, 20_000));
        builder.Append(bytes.AsSpan(20_000));
        var (body, _) = builder.Build();

        Assert.Single(body.Blocks);
        Assert.Equal(bytes, body.ToArray());
    }

    [Fact]
    public void Keeps_a_message_of_exactly_the_limit()
    {
        var builder = new MessageBodyBuilder(100);

        builder.Append(new byte[60]);
        builder.Append(new byte[40]);

        Assert.False(builder.TooBig);
        Assert.Equal(100, builder.Build().Body.Length);
    }

    [Fact]
    public void Is_too_big_past_the_limit_and_goes_on_counting_without_keeping()
    {
        var builder = new MessageBodyBuilder(100);
        builder.Append(new byte[60]);
        var capacity = builder.Capacity;

        Assert.Equal(0, builder.CapacityNeededFor(41));
        builder.Append(new byte[41]);
        builder.Append(new byte[1000]);

        Assert.True(builder.TooBig);
        Assert.Equal(1101, builder.Length);
        Assert.Equal(capacity, builder.Capacity);
        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public void Builds_an_empty_body()
    {
        var (body, sha256) = new MessageBodyBuilder(100).Build();

        Assert.Equal(0, body.Length);
        Assert.Empty(body.Blocks);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), sha256);
    }
}
