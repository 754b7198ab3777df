using SmtpCollector.Actors.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>Measures the heap, so it runs alone: after every other test class in this assembly, none beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}

/// <summary>What the listener keeps of connections that have come and gone: nothing.</summary>
[Collection(MemoryMeasurement.Name)]
public sealed class ListenerMemorySpecs : Akka.TestKit.Xunit2.TestKit
{
    // Akka.Streams' Tcp().Bind kept about 1.1 KB of heap per connection ever accepted, for good (InboundTcpStage says
    // why): 2,000 connections left 2.2 MB behind. Half a megabyte is room for caches that settle, not for that.
    private const int Connections = 2000;
    private const long AllowedGrowthBytes = 512 * 1024;

    [Fact]
    public async Task Connections_that_have_closed_leave_nothing_reachable_behind()
    {
        var listener = await Listener.StartAsync(Sys, new LmtpServerSettings { HostName = "collector.test" });
        // Warm-up: JIT, pools and caches that fill once.
        await OpenAndCloseAsync(listener, 200);
        var before = LiveBytes();

        await OpenAndCloseAsync(listener, Connections);

        // The server side of the last connections may still be stopping: bounded polling until the heap is back.
        var grown = long.MaxValue;
        for (var attempt = 0; attempt < 50 && grown > AllowedGrowthBytes; attempt++)
        {
            await Task.Delay(100);
            grown = LiveBytes() - before;
        }
        Assert.True(grown <= AllowedGrowthBytes, $"{Connections} closed connections left {grown:N0} bytes of heap reachable");
    }

    private static async Task OpenAndCloseAsync(Listener listener, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await using var client = await listener.ConnectAsync(greet: false);
            await client.ExpectAsync("220 ");
            await client.SendAsync("QUIT\r\n");
            await client.ExpectAsync("221 ");
            Assert.True(await client.ClosedByServerAsync());
        }
    }

    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
