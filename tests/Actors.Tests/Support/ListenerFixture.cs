using System.Net;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests.Support;

/// <summary>A real LMTP listener on a free loopback port (port 0), with a recording sink.</summary>
public sealed class Listener
{
    public required IActorRef Actor { get; init; }
    public required EndPoint EndPoint { get; init; }
    public required List<ReceivedMessage> Stored { get; init; }

    /// <summary>The listener's in-flight budget; its pool poisons returned blocks, so a body read after its release shows.</summary>
    public required InFlightBudget Budget { get; init; }

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

    public static async Task<Listener> StartAsync(ActorSystem system, LmtpServerSettings settings, IActorRef sink, List<ReceivedMessage>? stored = null,
        ILogger? messageLog = null)
    {
        stored ??= [];
        var budget = new InFlightBudget(settings.MaxInFlightBytes, poisonReturnedBlocks: true);
        var listener = system.ActorOf(LmtpListenerActor.Props(settings with { Host = "127.0.0.1", Port = 0 }, sink, budget, messageLog));
        var bound = await listener.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(10));
        var endPoint = bound is ListenerBound b ? b.LocalAddress : throw new InvalidOperationException($"listener did not bind: {bound}");
        return new Listener { Actor = listener, EndPoint = endPoint, Stored = stored, Budget = budget };
    }

    /// <summary>Waits (bounded) until every message's share of the budget is back, and its blocks with it.</summary>
    public async Task AssertBudgetReleasedAsync()
    {
        for (var attempt = 0; attempt < 100 && Budget.Used != 0; attempt++)
            await Task.Delay(50);
        Assert.Equal(0, Budget.Used);
        Assert.Equal(Budget.Blocks.Allocated, Budget.Blocks.FreeCount);
    }

    public async Task<LmtpClient> ConnectAsync(bool greet = true)
    {
        var client = await LmtpClient.ConnectAsync(EndPoint);
        if (greet)
        {
            await client.ExpectAsync("220 ");
            await client.SendAsync("LHLO test.client\r\n");
            await client.ExpectAsync("250");
        }
        return client;
    }
}
