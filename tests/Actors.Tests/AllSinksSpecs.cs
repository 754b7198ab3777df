using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests;

public sealed class AllSinksSpecs : Akka.TestKit.Xunit2.TestKit
{
    private int _released;

    private ReceivedMessage Message()
    {
        var bytes = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n");
        var envelope = new MessageEnvelope("s@example.net", ["r@trap.example"], ImmutableDictionary<string, string>.Empty, null, "127.0.0.1:1", DateTimeOffset.UnixEpoch);
        return new ReceivedMessage(new MessageBody([bytes], () => Interlocked.Increment(ref _released)), "sha", envelope);
    }

    [Fact]
    public void Stored_only_when_every_sink_stored_it_and_the_body_goes_back_when_the_last_lets_go()
    {
        var (first, second) = (CreateTestProbe(), CreateTestProbe());
        var all = Sys.ActorOf(AllSinksActor.Props([first.Ref, second.Ref]));
        var message = Message();

        all.Tell(new StoreMessage(message, DateTime.UtcNow.AddMinutes(1)), TestActor);
        var toFirst = first.ExpectMsg<StoreMessage>();
        var toSecond = second.ExpectMsg<StoreMessage>();
        Assert.Equal(message.Body.ToArray(), toFirst.Message.Body.ToArray());
        Assert.Equal(message.Body.ToArray(), toSecond.Message.Body.ToArray());

        toFirst.Message.Body.Release();
        first.Reply(new MessageStored(toFirst.Message));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, Volatile.Read(ref _released));

        toSecond.Message.Body.Release();
        second.Reply(new MessageStored(toSecond.Message));
        var stored = ExpectMsg<MessageStored>();
        Assert.Same(message, stored.Message);
        Assert.Equal(1, Volatile.Read(ref _released));
    }

    [Fact]
    public void The_first_refusal_is_the_answer_and_a_later_store_adds_nothing()
    {
        var (first, second) = (CreateTestProbe(), CreateTestProbe());
        var all = Sys.ActorOf(AllSinksActor.Props([first.Ref, second.Ref]));
        var message = Message();

        all.Tell(new StoreMessage(message, DateTime.UtcNow.AddMinutes(1)), TestActor);
        var toFirst = first.ExpectMsg<StoreMessage>();
        var toSecond = second.ExpectMsg<StoreMessage>();

        second.Reply(new MessageNotStored(toSecond.Message, NotStoredReason.Failed, "disk full"));
        var refused = ExpectMsg<MessageNotStored>();
        Assert.Same(message, refused.Message);
        Assert.Equal((NotStoredReason.Failed, "disk full"), (refused.Reason, refused.Detail));

        first.Reply(new MessageStored(toFirst.Message));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Answers_each_message_to_its_own_sender()
    {
        var sink = CreateTestProbe();
        var all = Sys.ActorOf(AllSinksActor.Props([sink.Ref]));
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        var (ma, mb) = (Message(), Message());

        all.Tell(new StoreMessage(ma, DateTime.UtcNow.AddMinutes(1)), a.Ref);
        all.Tell(new StoreMessage(mb, DateTime.UtcNow.AddMinutes(1)), b.Ref);
        var toA = sink.ExpectMsg<StoreMessage>();
        var toB = sink.ExpectMsg<StoreMessage>();
        sink.Reply(new MessageStored(toB.Message));
        sink.Send(all, new MessageNotStored(toA.Message, NotStoredReason.Unavailable, "broker down"));

        Assert.Same(mb, b.ExpectMsg<MessageStored>().Message);
        Assert.Same(ma, a.ExpectMsg<MessageNotStored>().Message);
    }
}
