using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Tests.Payload;

public class BlockPoolTests
{
    [Fact]
    public void Allocates_only_when_no_block_is_free()
    {
        var pool = new BlockPool(1024);
        var first = pool.Rent();
        var second = pool.Rent();
        pool.Return(first);

        Assert.Same(first, pool.Rent());
        Assert.Equal(2, pool.Allocated);
        pool.Return(second);
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void Poisons_returned_blocks_and_refuses_a_block_returned_twice()
    {
        var pool = new BlockPool(16, poisonReturned: true);
        var block = pool.Rent();
        block.AsSpan().Fill(7);

        pool.Return(block);

        Assert.All(block, b => Assert.Equal(BlockPool.Poison, b));
        Assert.Throws<InvalidOperationException>(() => pool.Return(block));
    }

    [Fact]
    public void Keeps_at_most_max_free_blocks_and_refuses_foreign_ones()
    {
        var pool = new BlockPool(16, maxFree: 1);
        var blocks = new[] { pool.Rent(), pool.Rent(), pool.Rent() };
        foreach (var block in blocks)
            pool.Return(block);

        Assert.Equal(1, pool.FreeCount);
        Assert.Equal(1, pool.Allocated);
        Assert.Throws<ArgumentException>(() => pool.Return(new byte[17]));
    }
}
