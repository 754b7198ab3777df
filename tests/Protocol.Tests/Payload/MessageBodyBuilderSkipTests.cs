using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Tests.Payload;

/// <summary>
/// A piece of body that crosses the size limit is predicted (<see cref="MessageBodyBuilder.CapacityNeededFor"/>) as kept
/// not at all, so nothing is reserved for it; appending its slices one by one would still keep those before the limit,
/// in blocks outside the memory budget. The session actor skips such a piece whole (found by the fuzz tests' budget check).
/// </summary>
public class MessageBodyBuilderSkipTests
{
    [Fact]
    public void Skipping_a_piece_that_crosses_the_limit_keeps_and_allocates_nothing()
    {
        var builder = new MessageBodyBuilder(maxBytes: 10_000, new BlockPool(blockBytes: 4096));
        builder.Append(new byte[3000]);
        var capacity = builder.Capacity;

        Assert.Equal(0, builder.CapacityNeededFor(8000));
        builder.Skip(8000);

        Assert.True(builder.TooBig);
        Assert.Equal(11_000, builder.Length);
        Assert.Equal(capacity, builder.Capacity);
        Assert.Equal(0, builder.CapacityNeededFor(10));
    }

    [Fact]
    public void Appending_the_slices_of_such_a_piece_would_allocate_what_was_not_predicted()
    {
        var builder = new MessageBodyBuilder(maxBytes: 10_000, new BlockPool(blockBytes: 4096));
        builder.Append(new byte[3000]);
        var capacity = builder.Capacity;

        var predicted = builder.CapacityNeededFor(8000);
        builder.Append(new byte[4000]);
        builder.Append(new byte[4000]);

        Assert.Equal(0, predicted);
        Assert.True(builder.Capacity > capacity, "the first slice fits, so it is kept in a new block");
    }

    [Fact]
    public void Refuses_to_skip_bytes_that_fit()
    {
        var builder = new MessageBodyBuilder(maxBytes: 10_000, new BlockPool(blockBytes: 4096));
        builder.Append(new byte[3000]);

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Skip(7000));
        Assert.Equal(3000, builder.Length);
    }
}
