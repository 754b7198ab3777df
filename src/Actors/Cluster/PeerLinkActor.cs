using Akka.Actor;
using Akka.Delivery;
using Akka.Event;
using Akka.Util;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Cluster;

/// <summary>
/// This node's side of the hop to one peer's publisher: a <see cref="ProducerController"/> (Akka.Delivery: ordered,
/// resent until the peer's consumer has it, large messages cut into chunks below Akka.Remote's frame limit) fed one
/// message per request, and the books of what the peer has not answered yet. A session hears
/// <see cref="MessageStored"/> only when the peer's publisher stored the message; past the message's deadline, or when
/// the peer is gone, it hears <see cref="NotStoredReason.Unavailable"/> (451: Postfix retries, here or elsewhere).
/// </summary>
public sealed class PeerLinkActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(200);

    private readonly IActorRef _endpoint;
    private readonly int _chunkBytes;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<RemoteStore> _queue = new();
    private readonly Dictionary<long, Pending> _pending = [];
    private IActorRef _producerController = ActorRefs.Nobody;
    private IActorRef? _sendNextTo;
    private long _nextId;

    public PeerLinkActor(IActorRef endpoint, int chunkBytes)
    {
        _endpoint = endpoint;
        _chunkBytes = chunkBytes;
        Receive<StoreMessage>(OnStore);
        Receive<ProducerController.RequestNext<RemoteStore>>(request =>
        {
            _sendNextTo = request.SendNextTo;
            SendNext();
        });
        Receive<RemoteMessageStored>(stored =>
        {
            if (_pending.Remove(stored.Id, out var pending))
                pending.ReplyTo.Tell(new MessageStored(pending.Message));
        });
        Receive<RemoteMessageNotStored>(refused =>
        {
            if (_pending.Remove(refused.Id, out var pending))
                pending.ReplyTo.Tell(new MessageNotStored(pending.Message, refused.Reason, $"on {_endpoint.Path.Address}: {refused.Detail}"));
        });
        Receive<Reopen>(_ => _endpoint.Tell(new OpenLink(_producerController, Self)));
        Receive<Sweep>(_ => ExpireOverdue());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="endpoint">The peer's cluster sink, which starts a consumer for this link.</param>
    /// <param name="chunkBytes">Messages larger than this cross in chunks of it (Akka.Remote's frame limit is 128,000 bytes).</param>
    public static Props Props(IActorRef endpoint, int chunkBytes) => Akka.Actor.Props.Create(() => new PeerLinkActor(endpoint, chunkBytes));

    protected override void PreStart()
    {
        var settings = ProducerController.Settings.Create(Context.System) with { ChunkLargeMessagesBytes = _chunkBytes };
        // The producer id names this link in the peer's logs; a new link (after a restart) is a new producer.
        var producerId = $"{Context.System.Name}-{Self.Path.Name}-{Guid.NewGuid():N}";
        _producerController = Context.ActorOf(
            ProducerController.Create<RemoteStore>(Context.System, producerId, Option<Props>.None, settings), "producer-controller");
        _producerController.Tell(new ProducerController.Start<RemoteStore>(Self));
        _endpoint.Tell(new OpenLink(_producerController, Self));
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, SweepInterval);
    }

    protected override void PostStop()
    {
        foreach (var pending in _pending.Values)
            pending.ReplyTo.Tell(new MessageNotStored(pending.Message, NotStoredReason.Unavailable, $"link to {_endpoint.Path.Address} closed"));
        _pending.Clear();
        _queue.Clear();
        base.PostStop();
    }

    private void OnStore(StoreMessage store)
    {
        var message = store.Message;
        byte[] body;
        try
        {
            // Out of the pooled blocks, so that they go back (with their share of the in-flight budget) now, not when the
            // peer answers: Akka.Delivery serializes the message later, on its own thread, and keeps it for resending.
            body = message.Body.ToArray();
        }
        finally
        {
            message.Body.Release();
        }
        var id = _nextId++;
        var envelope = message.Envelope;
        _pending[id] = new Pending(message, Sender, store.Deadline);
        _queue.AddLast(new RemoteStore(id, body, message.Sha256, envelope.Sender, envelope.Recipients, envelope.Xforward, envelope.LhloName,
            envelope.Peer, envelope.ReceivedAt, store.Deadline - DateTime.UtcNow) { Summary = message.Summary });
        SendNext();
    }

    private void SendNext()
    {
        while (_sendNextTo is not null && _queue.First is { } first)
        {
            _queue.RemoveFirst();
            var next = first.Value;
            // Answered already (its deadline passed while it waited): not worth the bytes on the wire.
            if (!_pending.TryGetValue(next.Id, out var pending))
                continue;
            _sendNextTo.Tell(next with { TimeLeft = pending.Deadline - DateTime.UtcNow });
            _sendNextTo = null;
        }
    }

    private void ExpireOverdue()
    {
        var now = DateTime.UtcNow;
        foreach (var (id, pending) in _pending.Where(p => now >= p.Value.Deadline).ToList())
        {
            _pending.Remove(id);
            _log.Warning("message {0}: {1} did not confirm it in time", pending.Message.Sha256, _endpoint.Path.Address);
            pending.ReplyTo.Tell(new MessageNotStored(pending.Message, NotStoredReason.Unavailable, $"not confirmed by {_endpoint.Path.Address} in time"));
        }
    }

    private sealed record Pending(ReceivedMessage Message, IActorRef ReplyTo, DateTime Deadline);

    /// <summary>From the cluster sink, with each of the peer's announcements: say <see cref="OpenLink"/> again (the peer keeps one consumer per link).</summary>
    public sealed record Reopen
    {
        public static readonly Reopen Instance = new();
    }

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
