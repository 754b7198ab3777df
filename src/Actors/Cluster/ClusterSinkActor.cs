using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Cluster;

/// <summary>
/// The sink the sessions talk to on a cluster node. A message goes to this node's publisher while its broker link is up
/// and its window has room; otherwise to a peer whose publisher is connected (round robin, over a
/// <see cref="PeerLinkActor"/>); with no such peer, to this node's publisher anyway, which holds it until its deadline.
/// The nodes find each other's connected publishers through Distributed Pub/Sub: every node announces, every second and
/// whenever its link changes, whether its publisher is connected; a peer is used only while its last announcement said
/// so and is fresh. The same actor is this node's endpoint: a peer's link asks it (<see cref="OpenLink"/>) for a
/// consumer that hands the peer's messages to the local publisher.
/// </summary>
public sealed class ClusterSinkActor : ReceiveActor, IWithTimers
{
    public const string Topic = "smtp-collector-publishers";

    private readonly ClusterSinkSettings _settings;
    private readonly IActorRef _publisher;
    private readonly PublishingAvailability _availability;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<ReceivedMessage, IActorRef> _local = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Address, Peer> _peers = [];
    private readonly Dictionary<IActorRef, IActorRef> _consumers = [];
    private readonly ClusterMetrics _metrics;
    private IActorRef _mediator = ActorRefs.Nobody;
    private bool? _localUp;
    private int _nextPeer;
    private string _state = "";

    public ClusterSinkActor(ClusterSinkSettings settings, IActorRef publisher, PublishingAvailability availability, ClusterMetrics metrics)
    {
        _metrics = metrics;
        _settings = settings;
        _publisher = publisher;
        _availability = availability;
        Receive<StoreMessage>(OnStore);
        Receive<MessageStored>(stored => AnswerLocal(stored.Message, stored));
        Receive<MessageNotStored>(refused => AnswerLocal(refused.Message, refused));
        Receive<PublisherLinkChanged>(changed =>
        {
            if (!changed.Publisher.Equals(_publisher))
                return;
            _localUp = changed.Connected;
            Announce();
        });
        // The link's state when this actor started (its changes before then were published to nobody); later ones come
        // as PublisherLinkChanged, after this answer, since both come from the publisher.
        Receive<PublisherStatus>(status =>
        {
            if (status.LinkUp is { } up)
            {
                _localUp = up;
                Announce();
            }
        });
        Receive<PublisherAnnounced>(OnAnnounced);
        Receive<OpenLink>(OnOpenLink);
        Receive<ClusterEvent.UnreachableMember>(unreachable => Forget(unreachable.Member.Address, stopLink: false));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _log.Info("node left the cluster: {0} (was {1})", removed.Member.Address, removed.PreviousStatus);
            Forget(removed.Member.Address, stopLink: true);
        });
        Receive<Terminated>(terminated =>
        {
            foreach (var producer in _consumers.Where(c => c.Value.Equals(terminated.ActorRef)).Select(c => c.Key).ToList())
                _consumers.Remove(producer);
        });
        Receive<AnnounceTick>(_ => Announce());
        Receive<SubscribeAck>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="metrics">What crossed nodes; written by this actor and its consumers only.</param>
    public static Props Props(ClusterSinkSettings settings, IActorRef publisher, PublishingAvailability availability, ClusterMetrics metrics) =>
        Akka.Actor.Props.Create(() => new ClusterSinkActor(settings, publisher, availability, metrics));

    protected override void PreStart()
    {
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        _mediator.Tell(new Subscribe(Topic, Self));
        Context.System.EventStream.Subscribe(Self, typeof(PublisherLinkChanged));
        _publisher.Tell(new GetPublisherStatus());
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer("announce", AnnounceTick.Instance, _settings.AnnounceInterval);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }

    private void OnStore(StoreMessage store)
    {
        if (_localUp != false && _local.Count < _settings.LocalWindow)
        {
            Local(store);
            return;
        }
        if (NextPeer() is { } peer)
        {
            peer.Link!.Forward(store);
            _metrics.MessageSent();
            return;
        }
        // Nobody can take it now: the local publisher holds it until its link returns or the deadline passes.
        Local(store);
    }

    private void Local(StoreMessage store)
    {
        _local[store.Message] = Sender;
        _publisher.Tell(store);
    }

    private void AnswerLocal(ReceivedMessage message, object answer)
    {
        if (_local.Remove(message, out var replyTo))
            replyTo.Tell(answer);
    }

    private Peer? NextPeer()
    {
        var now = DateTime.UtcNow;
        var usable = _peers.Values.Where(p => p.Connected && p.Link is not null && now - p.LastHeard <= _settings.PeerExpiry)
            .OrderBy(p => p.Endpoint.Path.Address.ToString(), StringComparer.Ordinal).ToList();
        return usable.Count == 0 ? null : usable[_nextPeer++ % usable.Count];
    }

    private void Announce()
    {
        _mediator.Tell(new Publish(Topic, new PublisherAnnounced(Self, _localUp == true)));
        var now = DateTime.UtcNow;
        foreach (var peer in _peers.Values.Where(p => p.Connected && now - p.LastHeard > _settings.PeerExpiry))
        {
            _log.Warning("no word from {0} for {1}: its publisher is not used until it announces again", peer.Endpoint.Path.Address, _settings.PeerExpiry);
            peer.Connected = false;
        }
        UpdateAvailability();
    }

    private void OnAnnounced(PublisherAnnounced announced)
    {
        var endpoint = announced.Endpoint;
        if (endpoint.Equals(Self))
            return;
        var address = endpoint.Path.Address;
        if (_peers.TryGetValue(address, out var peer) && !peer.Endpoint.Equals(endpoint))
        {
            // The node came back as a new incarnation: its old link has nobody to talk to.
            Forget(address, stopLink: true);
            peer = null;
        }
        if (peer is null)
        {
            peer = new Peer(endpoint);
            _peers[address] = peer;
        }
        if (announced.Connected != peer.Connected)
            _log.Info("publisher on {0} is {1}", address, announced.Connected ? "connected" : "not connected");
        peer.Connected = announced.Connected;
        peer.LastHeard = DateTime.UtcNow;
        if (peer.Connected)
        {
            if (peer.Link is null)
                peer.Link = Context.ActorOf(PeerLinkActor.Props(endpoint, _settings.ChunkBytes), $"link-{Uri.EscapeDataString(address.ToString()).Replace('%', '_')}-{Guid.NewGuid():N}");
            else
                peer.Link.Tell(PeerLinkActor.Reopen.Instance);
        }
        UpdateAvailability();
    }

    private void OnOpenLink(OpenLink open)
    {
        if (_consumers.ContainsKey(open.ProducerController))
            return;
        var consumer = Context.ActorOf(LinkConsumerActor.Props(open.ProducerController, open.Link, _publisher, _metrics));
        Context.Watch(consumer);
        _consumers[open.ProducerController] = consumer;
        _log.Info("taking messages from {0} for this node's publisher", open.Link.Path.Address);
    }

    private void Forget(Address address, bool stopLink)
    {
        if (!_peers.TryGetValue(address, out var peer))
            return;
        peer.Connected = false;
        if (stopLink)
        {
            // After what was already forwarded to it (a PoisonPill, not Stop): its PostStop answers what the peer had not
            // answered with 451, and Postfix retries.
            peer.Link?.Tell(PoisonPill.Instance);
            _peers.Remove(address);
        }
        UpdateAvailability();
    }

    private void UpdateAvailability()
    {
        var peers = _peers.Where(p => p.Value.Connected).Select(p => p.Key.ToString()).Order(StringComparer.Ordinal).ToList();
        _availability.Set(_localUp != false || peers.Count > 0);
        _metrics.Links(_localUp, peers);
        // Logged on change only: an operator sees where mail can go, and a test sees when routing has changed.
        var state = $"local link {(_localUp switch { true => "up", false => "down", null => "unknown" })}, connected peers: {peers.Count} [{string.Join(", ", peers)}]";
        if (state == _state)
            return;
        _state = state;
        _log.Info("publishers: {0}", state);
    }

    private sealed class Peer(IActorRef endpoint)
    {
        public IActorRef Endpoint { get; } = endpoint;
        public bool Connected { get; set; }
        public DateTime LastHeard { get; set; }
        public IActorRef? Link { get; set; }
    }

    private sealed record AnnounceTick
    {
        public static readonly AnnounceTick Instance = new();
    }
}
