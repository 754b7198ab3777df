using System.Buffers;
using System.Security.Cryptography;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Tests.Support;

namespace SmtpCollector.Protocol.Tests.Payload;

public class MessageBodyBuilderTests
{
    private static readonly BlockPool Pool = new(4096, poisonReturned: true);

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(300_000)]
    public void Gives_back_the_exact_bytes_and_their_sha256(int length)
    {
        var random = new Random(length);
        var bytes = RandomBytes(random, length);
        var pool = new BlockPool(4096, poisonReturned: true);
        var builder = new MessageBodyBuilder(1_000_000, pool);

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
        Assert.All(body.Blocks, block => Assert.InRange(block.Length, 1, pool.BlockBytes));
        Assert.Equal(body.Blocks.Sum(b => (long)b.Length), body.Length);
        Assert.Equal(MessageBodyBuilder.BlocksFor(length, pool.BlockBytes), pool.Allocated);
        body.Release();
        Assert.Equal(pool.Allocated, pool.FreeCount);
    }

    [Fact]
    public void Predicts_the_capacity_growth_of_every_append()
    {
        var random = new Random(99);
        for (var iteration = 0; iteration < 200; iteration++)
        {
            var max = random.Next(1, 400_000);
            var builder = new MessageBodyBuilder(max, Pool);
            var total = random.Next(0, 450_000);
            while (builder.Length < total)
            {
                var count = random.Next(0, 100_000);
                var before = builder.Capacity;
                var predicted = builder.CapacityNeededFor(count);
                builder.Append(new byte[count]);
                Assert.Equal(predicted, builder.Capacity - before);
                Assert.True(builder.Capacity <= max + Pool.BlockBytes - 1, $"capacity {builder.Capacity} for a limit of {max}");
            }
            builder.Abandon();
        }
    }

    [Fact]
    public void Release_gives_the_blocks_back_once_and_then_the_body_cannot_be_read()
    {
        var pool = new BlockPool(1024, poisonReturned: true);
        var builder = new MessageBodyBuilder(100_000, pool);
        builder.Append(RandomBytes(new Random(3), 5000));
        var released = 0;
        var (body, _) = builder.Build(() => released++);
        var sequence = body.ToSequence();

        Assert.Equal(0, pool.FreeCount);
        body.Release();

        Assert.Equal(1, released);
        Assert.Equal(5, pool.FreeCount);
        Assert.True(body.Released);
        Assert.Equal(5000, body.Length);
        Assert.Throws<ObjectDisposedException>(() => body.ToArray());
        Assert.Throws<ObjectDisposedException>(() => body.Blocks);
        Assert.Throws<ObjectDisposedException>(() => body.WriteTo(Stream.Null));
        Assert.Throws<InvalidOperationException>(body.Release);
        Assert.Equal(1, released);
        // Bytes read through a view taken before the release are poisoned, not some other message's.
        Assert.All(sequence.ToArray(), b => Assert.Equal(BlockPool.Poison, b));
    }

    [Fact]
    public void Abandon_gives_the_blocks_back_and_does_nothing_after_a_build()
    {
        var pool = new BlockPool(1024);
        var abandoned = new MessageBodyBuilder(100_000, pool);
        abandoned.Append(new byte[3000]);
        abandoned.Abandon();
        abandoned.Abandon();
        Assert.Equal(3, pool.FreeCount);

        var built = new MessageBodyBuilder(100_000, pool);
        built.Append(new byte[3000]);
        var (body, _) = built.Build();
        built.Abandon();
        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(3, pool.Allocated);
        body.Release();
        Assert.Equal(3, pool.FreeCount);
    }

    [Fact]
    public void Keeps_a_message_of_exactly_the_limit()
    {
        var builder = new MessageBodyBuilder(100, Pool);

        builder.Append(new byte[60]);
        builder.Append(new byte[40]);

        Assert.False(builder.TooBig);
        Assert.Equal(100, builder.Build().Body.Length);
    }

    [Fact]
    public void Is_too_big_past_the_limit_and_goes_on_counting_without_keeping()
    {
        var builder = new MessageBodyBuilder(100, Pool);
        builder.Append(new byte[60]);
        var capacity = builder.Capacity;

        Assert.Equal(0, builder.CapacityNeededFor(41));
        builder.Append(new byte[41]);
        builder.Append(new byte[1000]);

        Assert.True(builder.TooBig);
        Assert.Equal(1101, builder.Length);
        Assert.Equal(capacity, builder.Capacity);
        Assert.Throws<InvalidOperationException>(() => builder.Build());
        builder.Abandon();
    }

    [Fact]
    public void Builds_an_empty_body()
    {
        var (body, sha256) = new MessageBodyBuilder(100, Pool).Build();

        Assert.Equal(0, body.Length);
        Assert.Empty(body.Blocks);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), sha256);
    }
}
