namespace SmtpCollector.TestBroker.Tests.Support;

internal static class Brokers
{
    public const string Writer = "writer";
    public const string WriterSecret = "secret";
    public const string Reader = "reader";
    public const string ReaderSecret = "reader-secret";
    public const string Channel = "spam.mails";
    public const string Other = "other.chan";

    /// <summary>writer may publish to spam.mails and other.chan and subscribe to spam.mails; reader may only subscribe to both.</summary>
    public static BrokerOptions Options(int port = 0) => new()
    {
        Port = port,
        Accounts =
        [
            new BrokerAccount(Writer, WriterSecret, [Channel, Other], [Channel]),
            new BrokerAccount(Reader, ReaderSecret, [], [Channel, Other]),
        ],
    };

    public static Task<HpfeedsBroker> StartAsync(int port = 0) => HpfeedsBroker.StartAsync(Options(port));

    public static Task<HpfeedsSubscriber> ReaderAsync(HpfeedsBroker broker, params string[] channels) =>
        HpfeedsSubscriber.ConnectAsync(broker.Port, Reader, ReaderSecret, channels.Length == 0 ? [Channel] : channels);
}
