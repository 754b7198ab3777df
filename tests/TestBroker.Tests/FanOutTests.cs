using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.TestBroker.Tests.Support;
using static SmtpCollector.TestBroker.Tests.Support.Brokers;

namespace SmtpCollector.TestBroker.Tests;

/// <summary>Each PUBLISH goes to every subscriber of exactly its channel, in the order received; none: it is gone.</summary>
public class FanOutTests
{
    [Fact]
    public async Task A_PUBLISH_reaches_every_subscriber_of_its_channel_in_order()
    {
        await using var broker = await StartAsync();
        await using var first = await ReaderAsync(broker);
        await using var second = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 2, Limits.Wait);
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, []);

        foreach (var text in new[] { "1", "2", "3" })
            await writer.PublishAsync(Channel, Frames.Text(text));

        foreach (var reader in new[] { first, second })
        {
            var received = await reader.WaitForAsync(3, Limits.Wait);
            Assert.Equal(["1", "2", "3"], Frames.Texts(received));
            Assert.All(received, frame => Assert.Equal((Writer, Channel), (frame.Ident, frame.Channel)));
        }
    }

    [Fact]
    public async Task The_publisher_receives_its_own_PUBLISH_when_subscribed()
    {
        await using var broker = await StartAsync();
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, [Channel]);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);

        await writer.PublishAsync(Channel, Frames.Text("echo"));

        Assert.Equal([new PublishFrame(Writer, Channel, Frames.Text("echo"))], await writer.WaitForAsync(1, Limits.Wait));
    }

    [Fact]
    public async Task A_PUBLISH_without_subscribers_is_dropped_not_kept()
    {
        await using var broker = await StartAsync();
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, []);
        await writer.PublishAsync(Channel, Frames.Text("lost"));
        await broker.WaitForPublishesAsync(Channel, 1, Limits.Wait);

        await using var reader = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);
        await writer.PublishAsync(Channel, Frames.Text("kept"));

        // Had "lost" been kept for a later subscriber, it would have arrived first.
        Assert.Equal(["kept"], Frames.Texts(await reader.WaitForAsync(1, Limits.Wait)));
    }

    [Fact]
    public async Task UNSUBSCRIBE_stops_delivery_on_that_channel_only()
    {
        await using var broker = await StartAsync();
        await using var reader = await ReaderAsync(broker, Channel, Other);
        await broker.WaitForSubscribersAsync(Other, 1, Limits.Wait);
        await reader.UnsubscribeAsync(Channel);
        await broker.WaitForSubscribersAsync(Channel, 0, Limits.Wait);
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, []);

        await writer.PublishAsync(Channel, Frames.Text("unsubscribed"));
        await writer.PublishAsync(Other, Frames.Text("marker"));

        // One publisher, one subscriber queue: the first PUBLISH would have arrived before the marker.
        var received = Assert.Single(await reader.WaitForAsync(1, Limits.Wait));
        Assert.Equal((Other, "marker"), (received.Channel, Frames.Text(received)));
    }

    [Fact]
    public async Task Subscribing_twice_delivers_twice_as_the_reference_does()
    {
        await using var broker = await StartAsync();
        await using var reader = await ReaderAsync(broker, Channel, Channel);
        await broker.WaitForSubscribersAsync(Channel, 2, Limits.Wait);
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, []);

        await writer.PublishAsync(Channel, Frames.Text("twice"));

        Assert.Equal(["twice", "twice"], Frames.Texts(await reader.WaitForAsync(2, Limits.Wait)));
    }

    [Fact]
    public async Task A_closed_subscriber_is_taken_out_of_its_channels()
    {
        await using var broker = await StartAsync();
        var reader = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);

        await reader.DisposeAsync();

        await broker.WaitForSubscribersAsync(Channel, 0, Limits.Wait);
    }
}
