using System.Net;

namespace SmtpCollector.TestBroker;

public sealed record BrokerOptions
{
    /// <summary>Loopback port to listen on; 0 picks a free one. A given port lets a test restart a broker where it was.</summary>
    public int Port { get; init; }

    /// <summary>The address to listen on: loopback unless a container test needs the broker on its network (<c>--bind</c>).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The broker name sent in INFO.</summary>
    public string Name { get; init; } = "hpfeeds";

    public IReadOnlyList<BrokerAccount> Accounts { get; init; } = [];

    /// <summary>
    /// The largest PUBLISH (and other non-auth) frame taken: the reference broker's by default. Other brokers (the Go one)
    /// have no such limit; a larger one lets a test publish messages over 1 MiB whole.
    /// </summary>
    public int MaxFrameBytes { get; init; } = BrokerLimits.MaxFrameBytes;

    /// <summary>
    /// Bytes queued for one connection above which its backpressure deadline starts; it stops once the queue is back under a
    /// quarter of this. Default 50 PUBLISH frames of the largest size, the reference broker's write buffer high-water mark.
    /// </summary>
    public long BackpressureHighWaterBytes { get; init; } = 50L * BrokerLimits.MaxFrameBytes;

    /// <summary>How long a connection may stay over the high-water mark before it gets "Backpressure deadline timer expired".</summary>
    public TimeSpan BackpressureDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When the broker closes a connection, how long it waits for queued frames (an ERROR last) to go out and then for the
    /// client to hang up, reading and discarding what it still sends: closing with unread input would reset the connection,
    /// and a reset can cost the client the ERROR it has not read yet.
    /// </summary>
    public TimeSpan CloseGrace { get; init; } = TimeSpan.FromSeconds(2);
}
