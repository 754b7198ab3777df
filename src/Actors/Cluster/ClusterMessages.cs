using System.Collections.Immutable;
using Akka.Actor;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Cluster;

/// <summary>Every message that crosses nodes: bound to <see cref="ClusterMessageSerializer"/> (hocon/cluster.hocon), never to the default serializer.</summary>
public interface IClusterMessage;

/// <summary>
/// A node's cluster sink says, on the publishers topic, whether its publisher has a broker link. Said every second while
/// the node runs, so that a node that died without a word is forgotten when its announcements stop.
/// </summary>
public sealed record PublisherAnnounced(IActorRef Endpoint, bool Connected) : IClusterMessage;

/// <summary>
/// To a peer's endpoint: start a consumer for the messages of <paramref name="ProducerController"/>, and answer each
/// one to <paramref name="Link"/>. Said again with every announcement; the endpoint keeps one consumer per producer.
/// </summary>
public sealed record OpenLink(IActorRef ProducerController, IActorRef Link) : IClusterMessage;

/// <summary>
/// One message to publish on another node, carried by Akka.Delivery (chunked). <paramref name="Body"/> is the exact
/// message bytes (on arrival, a slice of the array the serializer was given: not copied again); <paramref name="Sha256"/>
/// is checked against them on arrival. <paramref name="TimeLeft"/> rather than a deadline: the nodes' clocks need not agree.
/// </summary>
public sealed record RemoteStore(
    long Id,
    ReadOnlyMemory<byte> Body,
    string Sha256,
    string Sender,
    IReadOnlyList<string> Recipients,
    ImmutableDictionary<string, string> Xforward,
    string? LhloName,
    string Peer,
    DateTimeOffset ReceivedAt,
    TimeSpan TimeLeft) : IClusterMessage
{
    /// <summary>The message's summary (<c>summary: true</c> where it came in), made there once.</summary>
    public Protocol.Summary.MessageSummary? Summary { get; init; }
}

/// <summary>The peer's publisher has message <paramref name="Id"/> safe: the session may answer 250.</summary>
public sealed record RemoteMessageStored(long Id) : IClusterMessage;

/// <summary>The peer's publisher did not keep message <paramref name="Id"/>.</summary>
public sealed record RemoteMessageNotStored(long Id, NotStoredReason Reason, string Detail) : IClusterMessage;
