namespace SmtpCollector.Actors.Cluster;

/// <summary>How a cluster node shares publishing with its peers.</summary>
public sealed record ClusterSinkSettings
{
    /// <summary>Messages this node's publisher may have unanswered before the next goes to a peer (the publisher's window).</summary>
    public int LocalWindow { get; init; } = 64;

    /// <summary>Messages larger than this cross nodes in chunks of it: below Akka.Remote's 128,000-byte frame limit.</summary>
    public int ChunkBytes { get; init; } = 64_000;

    /// <summary>How often a node says whether its publisher is connected.</summary>
    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A peer not heard from for this long is not sent messages (it died, or the topic lost it).</summary>
    public TimeSpan PeerExpiry { get; init; } = TimeSpan.FromSeconds(3.5);
}
