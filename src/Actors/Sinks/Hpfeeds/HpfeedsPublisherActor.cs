using System.Buffers;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Hpfeeds;

/// <summary>
/// The hpfeeds sink: encodes each message once, publishes it to every channel through the current broker connection
/// (a child restarted with exponential backoff and jitter), and confirms it to its session only when the frames are
/// written (or, with <see cref="HpfeedsSettings.Confirm"/>, echoed back through a marker). A bounded window of messages
/// is in flight; the rest wait here, and their sessions with them. A message not safe by its deadline gets 451 4.4.3;
/// what a lost connection had not confirmed is sent again on the next one (at least once, never lost). A message
/// answered 451 while its frames are with the connection keeps its place in the window until the connection gives them
/// back (written, confirmed or lost), so a broker that stops reading holds at most a window's worth of frames.
/// Each message's body is held, unread, for as long as its frames are here, and released only when they leave: the frames
/// are a copy, but keeping the body keeps the message's share of the in-flight budget, so the sessions cannot bring in
/// more than the budget while the publisher holds frames.
/// </summary>
public sealed class HpfeedsPublisherActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(200);

    private HpfeedsSettings _settings;
    private readonly CollectorMetrics? _metrics;
    private readonly PublishingAvailability? _availability;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<Pending> _waiting = new();
    private readonly Dictionary<long, Pending> _inFlight = [];
    private IActorRef? _connection;
    private IActorRef _supervisor = ActorRefs.Nobody;
    private int _generation;
    private IActorRef? _spool;
    private DateTime? _lostSince;
    private long _nextSequence;
    private long _spooled;
    private bool? _linkUp;

    public HpfeedsPublisherActor(HpfeedsSettings settings, CollectorMetrics? metrics, PublishingAvailability? availability)
    {
        _settings = settings;
        _metrics = metrics;
        _availability = availability;
        Receive<StoreMessage>(OnStore);
        Receive<BrokerReady>(ready =>
        {
            if (!IsCurrent(ready.Connection))
                return;
            _connection = ready.Connection;
            _metrics?.BrokerReconnects.Add(1, new KeyValuePair<string, object?>("broker", BrokerName));
            if (_lostSince is { } since)
                _log.Info("broker {0} reconnected after {1:0.0} s; publishing resumes ({2} messages waiting)", BrokerName,
                    (DateTime.UtcNow - since).TotalSeconds, _waiting.Count);
            else
                _log.Info("connected to {0}", _settings);
            _lostSince = null;
            LinkChanged(true);
            Pump();
        });
        Receive<BatchWritten>(written =>
        {
            if (written.Connection.Equals(_connection))
                Confirm(written.Sequence, onlyThat: true);
        });
        Receive<BatchesConfirmed>(confirmed =>
        {
            if (confirmed.Connection.Equals(_connection))
                Confirm(confirmed.Sequence, onlyThat: false);
        });
        Receive<BrokerLost>(OnLost);
        Receive<ReconfigurePublisher>(reconfigure => Reconfigure(reconfigure.Settings));
        Receive<Sweep>(_ => ExpireOverdue());
        Receive<GetPublisherStatus>(_ => Sender.Tell(new PublisherStatus(
            _waiting.Count, _inFlight.Count, _inFlight.Values.Sum(p => p.Frames.Length), _connection is not null) { LinkUp = _linkUp }));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="metrics">Where the broker link and the window are published; nothing is counted without it.</param>
    /// <param name="availability">Set to whether the broker link is up (single node: MAIL gets 451 while it is down); none in a cluster, where the cluster sink decides.</param>
    public static Props Props(HpfeedsSettings settings, CollectorMetrics? metrics = null, PublishingAvailability? availability = null) =>
        Akka.Actor.Props.Create(() => new HpfeedsPublisherActor(settings, metrics, availability));

    protected override void PreStart()
    {
        StartConnection();
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, SweepInterval);
        _metrics?.ObserveBroker(BrokerName);
        _log.Info("publishing to {0}{1}, max payload {2} bytes, oversize: {3}", _settings, _settings.Confirm ? $" with confirmation on {_settings.ConfirmChannel}" : "",
            _settings.MaxPayloadBytes, _settings.Oversize);
    }

    protected override void PostStop()
    {
        foreach (var pending in _waiting.Concat(_inFlight.Values))
            pending.Body.Release();
        _waiting.Clear();
        _inFlight.Clear();
        base.PostStop();
    }

    private string BrokerName => $"{_settings.Host}:{_settings.Port}";

    /// <summary>
    /// The broker connection under its backoff supervisor. A broker failure is an expected event of a network service: the
    /// connection stops itself, the supervisor starts the next one after the backoff, and the publisher logs it once, in
    /// its own words (<see cref="OnLost"/>). An exception in the connection is a bug: the supervisor's strategy logs it with
    /// its stack trace and stops the connection, which is then started again after the backoff too.
    /// </summary>
    private void StartConnection()
    {
        var connection = HpfeedsConnectionActor.Props(_settings, Self);
        var options = Backoff.OnStop(connection, "connection", _settings.MinBackoff, _settings.MaxBackoff, randomFactor: 0.2, maxNrOfRetries: -1)
            .WithManualReset()
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Stop));
        // A new name for each configuration: the previous supervisor may still be stopping when the next one starts.
        _supervisor = Context.ActorOf(BackoffSupervisor.Props(options), _generation == 0 ? "hpfeeds-connection" : $"hpfeeds-connection-{_generation}");
        _generation++;
    }

    /// <summary>From a connection of the current configuration, not one that a reload is retiring.</summary>
    private bool IsCurrent(IActorRef connection) => connection.Path.Parent.Equals(_supervisor.Path);

    /// <summary>
    /// A reload changed the feed configuration: the current connection is retired and one with the new settings started.
    /// Nothing is lost: what the old connection had not confirmed goes first to the new one, then what was waiting, each
    /// encoded again (identity and channels are in the frames). The sessions keep waiting for their answer meanwhile.
    /// </summary>
    private void Reconfigure(HpfeedsSettings settings)
    {
        // The spool child writes where it was made; it is not swapped under messages it may be writing.
        _settings = _spool is null ? settings : settings with { SpoolDirectory = _settings.SpoolDirectory };
        Context.Stop(_supervisor);
        _connection = null;
        _lostSince = null;
        foreach (var answered in _inFlight.Values.Where(p => p.Answered))
            answered.Body.Release();
        var again = _inFlight.Where(p => !p.Value.Answered).OrderBy(p => p.Key).Select(p => p.Value).Concat(_waiting).ToList();
        _inFlight.Clear();
        _waiting.Clear();
        foreach (var pending in again)
        {
            var (frames, payloadBytes) = Frames(pending.Message);
            if (payloadBytes > _settings.MaxPayloadBytes)
                Dropped(pending, "over max_payload_bytes of the reloaded feed configuration");
            else
                _waiting.AddLast(pending with { Frames = frames });
        }
        _metrics?.ObserveBroker(BrokerName);
        _metrics?.BrokerState(false, 0);
        StartConnection();
        _log.Debug("feed configuration replaced: {0}, {1} messages waiting for the new connection", _settings, _waiting.Count);
    }

    private void OnStore(StoreMessage store)
    {
        var message = store.Message;
        ReadOnlySequence<byte> frames;
        long payloadBytes;
        try
        {
            (frames, payloadBytes) = Frames(message);
        }
        catch
        {
            // Not kept, so not held: the session's ask times out and it answers 451.
            message.Body.Release();
            throw;
        }
        if (payloadBytes > _settings.MaxPayloadBytes)
        {
            OnOversize(store, payloadBytes);
            return;
        }
        _waiting.AddLast(new Pending(message, frames, Sender, store.Deadline));
        Pump();
    }

    /// <summary>
    /// Every channel's PUBLISH frame, one after the other. The payload is written once, in place in the first frame; each
    /// further channel's frame is one copy of it.
    /// </summary>
    private (ReadOnlySequence<byte> Frames, long PayloadBytes) Frames(ReceivedMessage message)
    {
        var frames = new SegmentedBufferWriter();
        var payloadBytes = FrameEncoder.WritePublish(frames, _settings.Ident, _settings.Channels[0], destination =>
        {
            if (_settings.Format == PayloadFormat.Json)
                JsonPayload.Write(destination, message, _settings.Envelope);
            else
                foreach (var block in message.Body.Blocks)
                    destination.Write(block.Span);
        });
        if (payloadBytes > _settings.MaxPayloadBytes)
            return (default, payloadBytes);
        if (_settings.Channels.Count > 1)
        {
            // Appending never moves what is written, so the first frame's payload can be read while the others are added.
            var payload = frames.WrittenSequence.Slice(frames.WrittenCount - payloadBytes);
            for (var i = 1; i < _settings.Channels.Count; i++)
                FrameEncoder.WritePublish(frames, _settings.Ident, _settings.Channels[i], payload);
        }
        return (frames.WrittenSequence, payloadBytes);
    }

    private void OnOversize(StoreMessage store, long payloadBytes)
    {
        var sha256 = store.Message.Sha256;
        if (_settings.Oversize == OversizePolicy.Reject)
        {
            _log.Warning("message {0}: payload of {1} bytes is over max_payload_bytes ({2}): refused 552", sha256, payloadBytes, _settings.MaxPayloadBytes);
            store.Message.Body.Release();
            Sender.Tell(new MessageNotStored(store.Message, NotStoredReason.TooLarge, "payload over max_payload_bytes"));
            return;
        }
        _spool ??= Context.ActorOf(StoreSinkActor.Props(new RawDirectoryStore(_settings.SpoolDirectory), _metrics is null ? null : _metrics.Spooled), "oversize-spool");
        _spooled++;
        _log.Warning("message {0}: payload of {1} bytes is over max_payload_bytes ({2}): spooled to {3} ({4} so far)",
            sha256, payloadBytes, _settings.MaxPayloadBytes, _settings.SpoolDirectory, _spooled);
        // The spool answers the session itself, once the file is synced, and releases the body.
        _spool.Forward(store);
    }

    private void Pump()
    {
        while (_connection is not null && _inFlight.Count < _settings.Window && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            var pending = first.Value;
            if (DateTime.UtcNow >= pending.Deadline)
            {
                Dropped(pending, "deadline passed before the broker took it");
                continue;
            }
            var sequence = _nextSequence++;
            _inFlight[sequence] = pending;
            _connection.Tell(new WriteBatch(sequence, pending.Frames));
        }
        _metrics?.BrokerState(_connection is not null, _inFlight.Count);
    }

    private void Confirm(long sequence, bool onlyThat)
    {
        var confirmed = onlyThat ? (_inFlight.ContainsKey(sequence) ? [sequence] : []) : _inFlight.Keys.Where(s => s <= sequence).ToList();
        foreach (var done in confirmed)
        {
            var pending = _inFlight[done];
            _inFlight.Remove(done);
            pending.Body.Release();
            if (!pending.Answered)
                pending.ReplyTo.Tell(new MessageStored(pending.Message));
        }
        Pump();
    }

    private void OnLost(BrokerLost lost)
    {
        if (!IsCurrent(lost.Connection) || (!lost.Connection.Equals(_connection) && _connection is not null))
            return;
        var wasConnected = _connection is not null;
        _connection = null;
        LinkChanged(false);
        _metrics?.BrokerErrors.Add(1, new KeyValuePair<string, object?>("broker", BrokerName));
        _metrics?.BrokerState(false, 0);
        _metrics?.BrokerFailed(lost.Reason);
        // Back to the front, in their order: at least once, never lost. Those already answered 451 are Postfix's to retry.
        var unconfirmed = _inFlight.Where(p => !p.Value.Answered).OrderByDescending(p => p.Key).Select(p => p.Value).ToList();
        // One line per outage, not one per failed attempt: a broker down for an hour is retried hundreds of times.
        if (wasConnected || _lostSince is null)
            _log.Warning("broker {0} {1}: {2}; reconnecting with backoff ({3}){4}", BrokerName, wasConnected ? "connection lost" : "not reachable", lost.Reason,
                FormattableString.Invariant($"{_settings.MinBackoff.TotalSeconds:0.0#} s to {_settings.MaxBackoff.TotalSeconds:0.#} s"),
                unconfirmed.Count > 0 ? $", {unconfirmed.Count} unconfirmed messages will be sent again" : "");
        else
            _log.Debug("broker {0} still not reachable: {1}", BrokerName, lost.Reason);
        _lostSince ??= DateTime.UtcNow;
        foreach (var pending in unconfirmed)
            _waiting.AddFirst(pending);
        foreach (var answered in _inFlight.Values.Where(p => p.Answered))
            answered.Body.Release();
        _inFlight.Clear();
    }

    private void LinkChanged(bool up)
    {
        if (_linkUp == up)
            return;
        _linkUp = up;
        _availability?.Set(up);
        Context.System.EventStream.Publish(new PublisherLinkChanged(Self, up));
    }

    private void ExpireOverdue()
    {
        var now = DateTime.UtcNow;
        for (var node = _waiting.First; node is not null;)
        {
            var next = node.Next;
            if (now >= node.Value.Deadline)
            {
                _waiting.Remove(node);
                Dropped(node.Value, _connection is null ? "broker unreachable" : "broker too slow");
            }
            node = next;
        }
        foreach (var (sequence, pending) in _inFlight.Where(p => !p.Value.Answered && now >= p.Value.Deadline).ToList())
        {
            _inFlight[sequence] = pending with { Answered = true };
            NotPublished(pending, "not confirmed by the broker in time");
        }
    }

    /// <summary>For a message leaving the publisher unpublished (never handed to a connection, or taken back): its body goes too.</summary>
    private static void Dropped(Pending pending, string reason)
    {
        pending.Body.Release();
        NotPublished(pending, reason);
    }

    private static void NotPublished(Pending pending, string reason) =>
        pending.ReplyTo.Tell(new MessageNotStored(pending.Message, NotStoredReason.Unavailable, reason));

    /// <summary>The message's body is not read once its frames are made: it is held only for its share of the in-flight budget.</summary>
    private sealed record Pending(ReceivedMessage Message, ReadOnlySequence<byte> Frames, IActorRef ReplyTo, DateTime Deadline)
    {
        public MessageBody Body => Message.Body;

        /// <summary>Already told 451 at its deadline; still in the window while its frames are with the connection.</summary>
        public bool Answered { get; init; }
    }

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
