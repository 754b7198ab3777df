using SmtpCollector.TestBroker;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>The test broker with the accounts the feed tests use ("writer" publishes with a confirm channel, "backend" reads) and one subscriber on spam.mails.</summary>
public sealed class FeedBroker : IAsyncDisposable
{
    private FeedBroker(HpfeedsBroker broker, HpfeedsSubscriber subscriber)
    {
        Broker = broker;
        Subscriber = subscriber;
    }

    public HpfeedsBroker Broker { get; }

    public HpfeedsSubscriber Subscriber { get; }

    public static async Task<FeedBroker> StartAsync()
    {
        var broker = await HpfeedsBroker.StartAsync(new BrokerOptions
        {
            Accounts =
            [
                new BrokerAccount("writer", "secret", ["spam.mails", "writer.confirm"], ["writer.confirm"]),
                new BrokerAccount("backend", "backend-secret", [], ["spam.mails"]),
            ],
        });
        var subscriber = await HpfeedsSubscriber.ConnectAsync(broker.Port, "backend", "backend-secret", ["spam.mails"]);
        await broker.WaitForSubscribersAsync("spam.mails", 1, TimeSpan.FromSeconds(10));
        return new FeedBroker(broker, subscriber);
    }

    public async ValueTask DisposeAsync()
    {
        await Subscriber.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
