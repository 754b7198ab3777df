using SmtpCollector.TestBroker.Tests.Support;
using static SmtpCollector.TestBroker.Tests.Support.Brokers;

namespace SmtpCollector.TestBroker.Tests;

/// <summary>What tests of the collector lean on: counters, the accept signal, dropping on purpose, and a restart in place.</summary>
public class TestHookTests
{
    [Fact]
    public async Task DropPublishesAfter_forwards_that_many_then_reads_and_counts_the_rest_silently()
    {
        await using var broker = await StartAsync();
        await using var reader = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, []);

        broker.DropPublishesAfter(2);
        foreach (var text in new[] { "1", "2", "3", "4" })
            await writer.PublishAsync(Channel, Frames.Text(text));
        await broker.WaitForPublishesAsync(Channel, 4, Limits.Wait);
        broker.ForwardAllPublishes();
        await writer.PublishAsync(Channel, Frames.Text("5"));

        Assert.Equal(["1", "2", "5"], Frames.Texts(await reader.WaitForAsync(3, Limits.Wait)));
        Assert.Equal(2, broker.PublishesDropped);
        Assert.Equal(5, broker.PublishesReceived(Channel));
        Assert.Null(writer.Error);
        Assert.False(writer.Closed.IsCompleted);
    }

    [Fact]
    public async Task Every_accepted_connection_is_counted_and_signalled()
    {
        await using var broker = await StartAsync();
        var signalled = 0;
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.ConnectionAccepted += (_, _) =>
        {
            if (Interlocked.Increment(ref signalled) == 3)
                third.TrySetResult();
        };

        for (var i = 0; i < 3; i++)
        {
            await using var client = await RawClient.ConnectAsync(broker.Port);
        }

        await third.Task.WaitAsync(Limits.Wait);
        await broker.WaitForConnectionsAsync(3, Limits.Wait);
        Assert.Equal(3, broker.ConnectionsAccepted);
        Assert.Equal(0, broker.SuccessfulAuths);
    }

    [Fact]
    public async Task A_stopped_broker_drops_its_connections_without_an_ERROR_and_restarts_on_the_same_port()
    {
        var broker = await StartAsync();
        var port = broker.Port;
        await using var before = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);

        await broker.StopAsync();
        await before.Closed.WaitAsync(Limits.Wait);
        Assert.Null(before.Error);

        await using var restarted = await StartAsync(port);
        Assert.Equal(port, restarted.Port);
        await using var after = await ReaderAsync(restarted);
        await restarted.WaitForSubscribersAsync(Channel, 1, Limits.Wait);
        await using var writer = await HpfeedsSubscriber.ConnectAsync(port, Writer, WriterSecret, []);
        await writer.PublishAsync(Channel, Frames.Text("after restart"));

        Assert.Equal(["after restart"], Frames.Texts(await after.WaitForAsync(1, Limits.Wait)));
        Assert.Equal(2, restarted.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_port_in_use_by_a_running_broker_cannot_be_taken()
    {
        await using var broker = await StartAsync();

        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => StartAsync(broker.Port));
    }
}
