using Akka.Actor;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Summary;

namespace SmtpCollector.Actors.Sinks.Summary;

/// <summary>
/// In front of a sink (<c>summary: true</c>): summarises each message with MimeKit on a pool thread, never on the
/// actor's or a session's, then hands it on with its <see cref="ReceivedMessage.Summary"/>. The sink answers about the
/// summarised copy; the source hears it about the message it sent, which it matches by reference. The body is read by
/// the summarising task and then belongs to the sink: this actor never releases it.
/// </summary>
public sealed class SummarisingSinkActor : ReceiveActor, IWithTimers
{
    // Answers for copies whose sink never answered are forgotten this long after their deadline.
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);

    private readonly IActorRef _sink;
    private readonly Dictionary<ReceivedMessage, Pending> _byCopy = new(ReferenceEqualityComparer.Instance);

    public SummarisingSinkActor(IActorRef sink)
    {
        _sink = sink;
        Receive<StoreMessage>(store =>
        {
            var replyTo = Sender;
            var body = store.Message.Body;
            Task.Run(() => MessageSummarizer.Summarise(body))
                .PipeTo(Self, success: summary => new Summarised(store, replyTo, summary),
                    failure: ex => new Summarised(store, replyTo, MessageSummary.Failed(ex.Message)));
        });
        Receive<Summarised>(done =>
        {
            var copy = done.Store.Message with { Summary = done.Summary };
            _byCopy[copy] = new Pending(done.Store.Message, done.ReplyTo, done.Store.Deadline);
            _sink.Tell(new StoreMessage(copy, done.Store.Deadline));
        });
        Receive<MessageStored>(stored =>
        {
            if (_byCopy.Remove(stored.Message, out var pending))
                pending.ReplyTo.Tell(new MessageStored(pending.Message));
        });
        Receive<MessageNotStored>(refused =>
        {
            if (_byCopy.Remove(refused.Message, out var pending))
                pending.ReplyTo.Tell(refused with { Message = pending.Message });
        });
        Receive<Sweep>(_ =>
        {
            var cutoff = DateTime.UtcNow - ForgetAfter;
            foreach (var copy in _byCopy.Where(p => p.Value.Deadline < cutoff).Select(p => p.Key).ToList())
                _byCopy.Remove(copy);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef sink) => Akka.Actor.Props.Create(() => new SummarisingSinkActor(sink));

    protected override void PreStart() => Timers.StartPeriodicTimer("sweep", Sweep.Instance, ForgetAfter);

    private sealed record Summarised(StoreMessage Store, IActorRef ReplyTo, MessageSummary Summary);

    private sealed record Pending(ReceivedMessage Message, IActorRef ReplyTo, DateTime Deadline);

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
