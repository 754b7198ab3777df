using System.Collections.Immutable;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using SmtpCollector.Actors.Cluster;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests.Cluster;

/// <summary>
/// The cross-node hop in one actor system: a <see cref="PeerLinkActor"/> and the <see cref="LinkConsumerActor"/> its OpenLink
/// starts, with a probe as the far side's publisher. The chunking and the serializer run as they would between nodes.
/// </summary>
public sealed class PeerLinkSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(
    File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.hocon"))))
{
    private int _released;

    private ReceivedMessage Message(int bytes)
    {
        var body = RandomNumberGenerator.GetBytes(bytes);
        var envelope = new MessageEnvelope("s@example.net", ["r@trap.example"], ImmutableDictionary<string, string>.Empty.Add("ADDR", "192.0.2.7"), "mx.example",
            "127.0.0.1:1", DateTimeOffset.UnixEpoch);
        return new ReceivedMessage(new MessageBody([body], () => Interlocked.Increment(ref _released)), Convert.ToHexStringLower(SHA256.HashData(body)), envelope);
    }

    /// <summary>The link, with the endpoint's part played by the test: it starts the consumer the link asks for.</summary>
    private IActorRef Link(IActorRef publisher)
    {
        var endpoint = CreateTestProbe();
        var link = Sys.ActorOf(PeerLinkActor.Props(endpoint.Ref, 64_000));
        var open = endpoint.ExpectMsg<OpenLink>();
        Sys.ActorOf(LinkConsumerActor.Props(open.ProducerController, open.Link, publisher));
        return link;
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(100_000)]
    [InlineData(2 * 1024 * 1024)]
    public void A_message_crosses_byte_exact_and_is_stored_only_when_the_far_publisher_says_so(int bytes)
    {
        var publisher = CreateTestProbe();
        var link = Link(publisher.Ref);
        var message = Message(bytes);
        var expected = message.Body.ToArray();

        link.Tell(new StoreMessage(message, DateTime.UtcNow.AddSeconds(30)), TestActor);
        var far = publisher.ExpectMsg<StoreMessage>(TimeSpan.FromSeconds(10));

        Assert.Equal(expected, far.Message.Body.ToArray());
        Assert.Equal(message.Sha256, far.Message.Sha256);
        Assert.Equal(message.Envelope with { Recipients = far.Message.Envelope.Recipients, Xforward = far.Message.Envelope.Xforward }, far.Message.Envelope);
        Assert.Equal(message.Envelope.Xforward["ADDR"], far.Message.Envelope.Xforward["ADDR"]);
        Assert.InRange(far.Deadline, DateTime.UtcNow.AddSeconds(20), DateTime.UtcNow.AddSeconds(31));
        // The pooled bytes went back when they were copied for the hop, not when the far side answers.
        Assert.Equal(1, _released);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        publisher.Reply(new MessageStored(far.Message));
        Assert.Same(message, ExpectMsg<MessageStored>().Message);
    }

    [Fact]
    public void The_far_publishers_refusal_comes_back_with_its_reason()
    {
        var publisher = CreateTestProbe();
        var link = Link(publisher.Ref);
        var message = Message(300);

        link.Tell(new StoreMessage(message, DateTime.UtcNow.AddSeconds(30)), TestActor);
        var far = publisher.ExpectMsg<StoreMessage>(TimeSpan.FromSeconds(10));
        publisher.Reply(new MessageNotStored(far.Message, NotStoredReason.TooLarge, "payload over max_payload_bytes"));

        var refused = ExpectMsg<MessageNotStored>();
        Assert.Same(message, refused.Message);
        Assert.Equal(NotStoredReason.TooLarge, refused.Reason);
    }

    [Fact]
    public void With_no_answer_from_the_far_side_the_message_is_unavailable_at_its_deadline()
    {
        var publisher = CreateTestProbe();
        var link = Link(publisher.Ref);
        var message = Message(300);

        link.Tell(new StoreMessage(message, DateTime.UtcNow.AddSeconds(1)), TestActor);
        publisher.ExpectMsg<StoreMessage>(TimeSpan.FromSeconds(10));

        var refused = ExpectMsg<MessageNotStored>(TimeSpan.FromSeconds(3));
        Assert.Same(message, refused.Message);
        Assert.Equal(NotStoredReason.Unavailable, refused.Reason);
    }

    [Fact]
    public void Messages_waiting_on_a_link_that_stops_are_answered_unavailable()
    {
        var link = Sys.ActorOf(PeerLinkActor.Props(CreateTestProbe().Ref, 64_000));
        var message = Message(300);

        link.Tell(new StoreMessage(message, DateTime.UtcNow.AddSeconds(30)), TestActor);
        link.Tell(PoisonPill.Instance);

        Assert.Equal(NotStoredReason.Unavailable, ExpectMsg<MessageNotStored>().Reason);
    }
}
