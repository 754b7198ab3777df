using Akka.Actor;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks;

/// <summary>
/// A sink made of several (the hpfeeds publisher and a local archive, say): each is handed the message at once, over
/// the same bytes, and the source hears <see cref="MessageStored"/> only when every one of them has stored it. The first
/// <see cref="MessageNotStored"/> is the answer, so nothing half-done is ever reported as stored (the sinks that did keep
/// it hold a copy that a retry duplicates: at least once, never lost).
/// </summary>
public sealed class AllSinksActor : ReceiveActor, IWithTimers
{
    // A sink that never answers a message is dropped from the books this long after its deadline (the source has long
    // given up): the entry must not outlive it for ever.
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<IActorRef> _sinks;
    private readonly Dictionary<ReceivedMessage, Pending> _byShare = new(ReferenceEqualityComparer.Instance);

    public AllSinksActor(IReadOnlyList<IActorRef> sinks)
    {
        if (sinks.Count == 0)
            throw new ArgumentException("A composite sink needs at least one sink.", nameof(sinks));
        _sinks = sinks;
        Receive<StoreMessage>(OnStore);
        Receive<MessageStored>(stored =>
        {
            if (Take(stored.Message) is { } pending && --pending.Outstanding == 0 && !pending.Answered)
                Answer(pending, new MessageStored(pending.Message));
        });
        Receive<MessageNotStored>(refused =>
        {
            if (Take(refused.Message) is { Answered: false } pending)
                Answer(pending, refused with { Message = pending.Message });
        });
        Receive<Sweep>(_ => Forget());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<IActorRef> sinks) => Akka.Actor.Props.Create(() => new AllSinksActor(sinks));

    protected override void PreStart() => Timers.StartPeriodicTimer("sweep", Sweep.Instance, ForgetAfter);

    private void OnStore(StoreMessage store)
    {
        var pending = new Pending(store.Message, Sender, store.Deadline) { Outstanding = _sinks.Count };
        var shares = store.Message.Body.Share(_sinks.Count);
        for (var i = 0; i < _sinks.Count; i++)
        {
            var share = store.Message with { Body = shares[i] };
            _byShare[share] = pending;
            _sinks[i].Tell(new StoreMessage(share, store.Deadline));
        }
    }

    private Pending? Take(ReceivedMessage share) => _byShare.Remove(share, out var pending) ? pending : null;

    private static void Answer(Pending pending, object answer)
    {
        pending.Answered = true;
        pending.ReplyTo.Tell(answer);
    }

    private void Forget()
    {
        var cutoff = DateTime.UtcNow - ForgetAfter;
        foreach (var share in _byShare.Where(p => p.Value.Deadline < cutoff).Select(p => p.Key).ToList())
            _byShare.Remove(share);
    }

    private sealed class Pending(ReceivedMessage message, IActorRef replyTo, DateTime deadline)
    {
        public ReceivedMessage Message { get; } = message;
        public IActorRef ReplyTo { get; } = replyTo;
        public DateTime Deadline { get; } = deadline;
        public int Outstanding { get; set; }
        public bool Answered { get; set; }
    }

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
