using System.Net;
using Akka.Actor;
using SmtpCollector.Actors.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Tests.Support;

/// <summary>A real LMTP listener on a free loopback port (port 0), with a recording sink.</summary>
public sealed class Listener
{
    public required IActorRef Actor { get; init; }
    public required EndPoint EndPoint { get; init; }
    public required List<ReceivedMessage> Stored { get; init; }

    public int StoredCount
    {
        get
        {
            lock (Stored)
                return Stored.Count;
        }
    }

    public static Task<Listener> StartAsync(ActorSystem system, LmtpServerSettings settings, SinkBehaviour behaviour = SinkBehaviour.Store)
    {
        var stored = new List<ReceivedMessage>();
        return StartAsync(system, settings, system.ActorOf(RecordingSinkActor.Props(stored, behaviour)), stored);
    }

    public static async Task<Listener> StartAsync(ActorSystem system, LmtpServerSettings settings, IActorRef sink, List<ReceivedMessage>? stored = null)
    {
        stored ??= [];
        var listener = system.ActorOf(LmtpListenerActor.Props(settings with { Host = "127.0.0.1", Port = 0 }, sink));
        var bound = await listener.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(10));
        var endPoint = bound is ListenerBound b ? b.LocalAddress : throw new InvalidOperationException($"listener did not bind: {bound}");
        return new Listener { Actor = listener, EndPoint = endPoint, Stored = stored };
    }

    public async Task<LmtpTestClient> ConnectAsync(bool greet = true)
    {
        var client = await LmtpTestClient.ConnectAsync(EndPoint);
        if (greet)
        {
            await client.ExpectAsync("220 ");
            await client.SendAsync("LHLO test.client\r\n");
            await client.ExpectAsync("250");
        }
        return client;
    }
}
