using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests;

public sealed class InFlightBudgetTests
{
    private static readonly InFlightBudget Budget16MiB = new(16L * 1024 * 1024);

    [Fact]
    public void Large_messages_that_fill_the_budget_leave_room_for_small_ones()
    {
        var budget = new InFlightBudget(16L * 1024 * 1024);
        var large = 1024L * 1024;

        var held = 0;
        while (budget.TryReserve(large, large))
            held++;

        Assert.Equal((budget.Capacity - budget.SmallMessageReserve) / large, held);
        Assert.True(budget.TryReserve(budget.Blocks.BlockBytes, budget.Blocks.BlockBytes), "a one-block message gets in");
        Assert.False(budget.TryReserve(budget.Blocks.BlockBytes, budget.SmallMessageBytes + 1), "a large message's next piece does not");
    }

    [Fact]
    public void Small_messages_may_use_the_whole_budget()
    {
        var budget = new InFlightBudget(16L * 1024 * 1024);
        var small = budget.SmallMessageBytes;

        var held = 0L;
        while (budget.TryReserve(small, small))
            held += small;

        Assert.Equal(budget.Capacity / small * small, held);
    }

    [Fact]
    public void A_message_larger_than_what_large_messages_may_hold_can_never_be_held()
    {
        Assert.True(Budget16MiB.CanHold(Budget16MiB.Capacity - Budget16MiB.SmallMessageReserve));
        Assert.False(Budget16MiB.CanHold(Budget16MiB.Capacity - Budget16MiB.SmallMessageReserve + 1));
        Assert.True(Budget16MiB.CanHold(Budget16MiB.SmallMessageBytes));
    }
}
