using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.TestBroker.Tests.Support;
using static SmtpCollector.TestBroker.Tests.Support.Brokers;

namespace SmtpCollector.TestBroker.Tests;

public class BackpressureTests
{
    [Fact]
    public async Task A_subscriber_that_does_not_read_past_the_deadline_gets_the_ERROR_and_is_dropped_while_others_go_on()
    {
        await using var broker = await HpfeedsBroker.StartAsync(Options() with
        {
            BackpressureHighWaterBytes = 256 * 1024,
            BackpressureDeadline = TimeSpan.FromMilliseconds(200),
            CloseGrace = Limits.Wait,
        });
        var (slow, info) = await ConnectSlowAsync(broker.Port);
        await using var _ = slow;
        await slow.SendAsync(AuthFrame.For(info, Reader, ReaderSecret));
        await slow.SendAsync(new SubscribeFrame(Reader, Channel));
        await using var keepingUp = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 2, Limits.Wait);
        await using var writer = await HpfeedsSubscriber.ConnectAsync(broker.Port, Writer, WriterSecret, []);

        // Publish until the broker gives up on the slow subscriber; 400 x 64 KiB is far more than the socket buffers hold.
        var payload = new byte[64 * 1024];
        var published = 0;
        while (broker.SubscriberCount(Channel) == 2 && published < 400)
        {
            await writer.PublishAsync(Channel, payload);
            published++;
            await broker.WaitForPublishesAsync(Channel, published, Limits.Wait);
        }
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);

        var forwarded = 0;
        Frame? frame;
        while ((frame = await slow.ReadFrameAsync()) is PublishFrame)
            forwarded++;
        var error = Assert.IsType<ErrorFrame>(frame);
        Assert.Equal("Backpressure deadline timer expired", error.Message);
        Assert.Null(await slow.ReadFrameAsync());
        Assert.InRange(forwarded, 0, published - 1);

        Assert.Equal(published, (await keepingUp.WaitForAsync(published, Limits.Wait)).Count);
        Assert.Null(keepingUp.Error);
    }

    private static async Task<(RawClient Client, InfoFrame Info)> ConnectSlowAsync(int port)
    {
        var client = await RawClient.ConnectAsync(port, receiveBufferBytes: 16 * 1024);
        var info = Assert.IsType<InfoFrame>(await client.ReadFrameAsync());
        return (client, info);
    }
}
