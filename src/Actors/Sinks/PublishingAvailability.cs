namespace SmtpCollector.Actors.Sinks;

/// <summary>
/// Whether any publisher can take a message now: written by the actor that knows (the publisher on a single node, the
/// cluster sink in a cluster), read by every LMTP session before it answers MAIL. A flag, not a message to every
/// session: sessions come and go by the thousand, the answer changes a few times a day. Thread-safe.
/// Until the first answer it is true: a publisher still making its first connection holds messages as it always did.
/// </summary>
public sealed class PublishingAvailability
{
    private volatile bool _available = true;

    public bool Available => _available;

    public void Set(bool available) => _available = available;
}
