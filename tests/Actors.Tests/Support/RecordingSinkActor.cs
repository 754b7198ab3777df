using Akka.Actor;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Tests.Support;

public enum SinkBehaviour
{
    Store,

    /// <summary>Answers stored and keeps nothing (tests of what the server itself holds on to).</summary>
    StoreWithoutKeeping,
    Refuse,
    Ignore,
}

/// <summary>A sink for session tests: keeps a copy of what it is handed and answers as told.</summary>
public sealed class RecordingSinkActor : ReceiveActor
{
    public RecordingSinkActor(List<ReceivedMessage> received, SinkBehaviour behaviour)
    {
        Receive<StoreMessage>(store =>
        {
            // A copy is kept and the body released at once, as a real sink does when it is done: the session's pooled
            // blocks go back (poisoned in tests), so a session that read them after handing them on would be caught.
            var message = store.Message;
            if (behaviour != SinkBehaviour.StoreWithoutKeeping)
            {
                lock (received)
                    received.Add(message with { Body = MessageBody.FromBytes(message.Body.ToArray()) });
            }
            message.Body.Release();
            switch (behaviour)
            {
                case SinkBehaviour.Store or SinkBehaviour.StoreWithoutKeeping:
                    Sender.Tell(new MessageStored(store.Message));
                    break;
                case SinkBehaviour.Refuse:
                    Sender.Tell(new MessageNotStored(store.Message, NotStoredReason.Unavailable, "refused by the test"));
                    break;
            }
        });
    }

    public static Props Props(List<ReceivedMessage> received, SinkBehaviour behaviour = SinkBehaviour.Store) =>
        Akka.Actor.Props.Create(() => new RecordingSinkActor(received, behaviour));
}
