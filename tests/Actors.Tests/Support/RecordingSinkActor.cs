using Akka.Actor;
using SmtpCollector.Actors.Publishing;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Tests.Support;

public enum SinkBehaviour
{
    Store,
    Refuse,
    Ignore,
}

/// <summary>A sink for session tests: keeps what it is handed and answers as told.</summary>
public sealed class RecordingSinkActor : ReceiveActor
{
    public RecordingSinkActor(List<ReceivedMessage> received, SinkBehaviour behaviour)
    {
        Receive<StoreMessage>(store =>
        {
            lock (received)
                received.Add(store.Message);
            switch (behaviour)
            {
                case SinkBehaviour.Store:
                    Sender.Tell(new MessageStored(store.Message.Sha256));
                    break;
                case SinkBehaviour.Refuse:
                    Sender.Tell(new MessageNotStored(store.Message.Sha256, Replies.PublishFailed, "refused by the test"));
                    break;
            }
        });
    }

    public static Props Props(List<ReceivedMessage> received, SinkBehaviour behaviour = SinkBehaviour.Store) =>
        Akka.Actor.Props.Create(() => new RecordingSinkActor(received, behaviour));
}
