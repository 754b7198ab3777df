using System.Buffers;
using Akka.Actor;

namespace SmtpCollector.Actors.Sinks.Hpfeeds;

// Between the publisher (the sink the sessions talk to) and its current broker connection.

/// <summary>
/// Write these PUBLISH frames (one per channel, for one message) in one write; answered with <see cref="BatchWritten"/>.
/// A batch sent to a connection that has just stopped is expected (the publisher learns of the stop from
/// <see cref="BrokerLost"/> a moment later and sends the batch again): not logged as a dead letter.
/// </summary>
public sealed record WriteBatch(long Sequence, ReadOnlySequence<byte> Frames) : Akka.Event.IDeadLetterSuppression;

/// <summary>The connection is authenticated (as far as hpfeeds tells: no ERROR came) and takes batches.</summary>
public sealed record BrokerReady(IActorRef Connection);

/// <summary>The batch's write completed: the bytes are with the operating system.</summary>
public sealed record BatchWritten(IActorRef Connection, long Sequence);

/// <summary>The broker echoed a confirmation marker: every batch up to <paramref name="Sequence"/> has been processed by it.</summary>
public sealed record BatchesConfirmed(IActorRef Connection, long Sequence);

/// <summary>The connection is gone; what it had not confirmed is not safe.</summary>
public sealed record BrokerLost(IActorRef Connection, string Reason);

/// <summary>
/// Published on the event stream when the publisher's broker link comes up or goes down (a failed connection attempt
/// counts as down): what the cluster sink tells the other nodes.
/// </summary>
public sealed record PublisherLinkChanged(IActorRef Publisher, bool Connected);

// From the host.

/// <summary>
/// A reload changed the feed configuration: reconnect with these settings. Messages waiting or unconfirmed are kept and
/// published through the new connection.
/// </summary>
public sealed record ReconfigurePublisher(HpfeedsSettings Settings);

// Asked by anyone (tests, diagnostics).

/// <summary>Ask the publisher what it holds; answered with <see cref="PublisherStatus"/>.</summary>
public sealed record GetPublisherStatus;

/// <summary>
/// <paramref name="Waiting"/>: messages not yet handed to a connection. <paramref name="InFlight"/>: handed to the
/// current connection and not given back (at most the window), holding <paramref name="InFlightBytes"/> bytes of frames.
/// </summary>
public sealed record PublisherStatus(int Waiting, int InFlight, long InFlightBytes, bool Connected)
{
    /// <summary>The link's last known state, as <see cref="PublisherLinkChanged"/> said it; null before the first connection attempt ended.</summary>
    public bool? LinkUp { get; init; }
}
