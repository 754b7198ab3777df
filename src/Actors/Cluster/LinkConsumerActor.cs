using System.Security.Cryptography;
using Akka.Actor;
using Akka.Delivery;
using Akka.Event;
using Akka.Util;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Cluster;

/// <summary>
/// The peer's side of one link: a <see cref="ConsumerController"/> registered to the link's producer, handing each message
/// to this node's publisher and telling the link its verdict. Each delivery is confirmed as soon as the publisher has it
/// (Akka.Delivery hands over one message at a time): the verdict, not the confirmation, is what the session waits for.
/// Stops when the link's node is gone.
/// </summary>
public sealed class LinkConsumerActor : ReceiveActor
{
    private readonly IActorRef _producerController;
    private readonly IActorRef _link;
    private readonly IActorRef _publisher;
    private readonly ClusterMetrics? _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<ReceivedMessage, long> _pending = new(ReferenceEqualityComparer.Instance);

    public LinkConsumerActor(IActorRef producerController, IActorRef link, IActorRef publisher, ClusterMetrics? metrics)
    {
        _metrics = metrics;
        _producerController = producerController;
        _link = link;
        _publisher = publisher;
        Receive<ConsumerController.Delivery<RemoteStore>>(OnDelivery);
        Receive<MessageStored>(stored =>
        {
            if (_pending.Remove(stored.Message, out var id))
                _link.Tell(new RemoteMessageStored(id));
        });
        Receive<MessageNotStored>(refused =>
        {
            if (_pending.Remove(refused.Message, out var id))
                _link.Tell(new RemoteMessageNotStored(id, refused.Reason, refused.Detail));
        });
        Receive<Terminated>(_ => Context.Stop(Self));
    }

    /// <param name="metrics">Where the messages taken are counted (the cluster sink's; written only from this node's actors); none in tests.</param>
    public static Props Props(IActorRef producerController, IActorRef link, IActorRef publisher, ClusterMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new LinkConsumerActor(producerController, link, publisher, metrics));

    protected override void PreStart()
    {
        var consumerController = Context.ActorOf(ConsumerController.Create<RemoteStore>(Context, Option<IActorRef>.None), "consumer-controller");
        consumerController.Tell(new ConsumerController.Start<RemoteStore>(Self));
        consumerController.Tell(new ConsumerController.RegisterToProducerController<RemoteStore>(_producerController));
        Context.Watch(_link);
    }

    private void OnDelivery(ConsumerController.Delivery<RemoteStore> delivery)
    {
        var remote = delivery.Message;
        delivery.ConfirmTo.Tell(ConsumerController.Confirmed.Instance);
        // The hash names the message everywhere downstream: bytes that do not match it are not published under it.
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(remote.Body.Span));
        if (sha256 != remote.Sha256)
        {
            _log.Error("message {0} from {1} arrived with bytes hashing to {2}: refused", remote.Sha256, _link.Path.Address, sha256);
            _link.Tell(new RemoteMessageNotStored(remote.Id, NotStoredReason.Failed, "bytes do not match the hash"));
            return;
        }
        var message = new ReceivedMessage(new MessageBody([remote.Body]), remote.Sha256,
            new MessageEnvelope(remote.Sender, remote.Recipients, remote.Xforward, remote.LhloName, remote.Peer, remote.ReceivedAt)) { Summary = remote.Summary };
        _pending[message] = remote.Id;
        _metrics?.MessageTaken();
        _publisher.Tell(new StoreMessage(message, DateTime.UtcNow + remote.TimeLeft));
    }
}
