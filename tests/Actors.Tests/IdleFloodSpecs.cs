using System.Text;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>
/// Connections that connect and say nothing must not lock good clients out: at the connection limit the one idle longest
/// between transactions makes room (421 4.4.2), and one in the middle of a message never does.
/// </summary>
public sealed class IdleFloodSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const int IdleConnections = 1_500;

    [Fact]
    public async Task With_every_slot_held_by_idle_connections_a_good_client_is_stored_at_once_and_one_in_the_middle_of_data_is_never_cut()
    {
        // No timeout can free a slot while the test runs: a good client served within its bounded wait was let in by eviction.
        var settings = new LmtpServerSettings { StressCommandIdleTimeout = TimeSpan.FromMinutes(2) };
        var listener = await Listener.StartAsync(Sys, settings);

        // The oldest connection of all is in the middle of a message.
        await using var sending = await listener.ConnectAsync();
        await sending.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<slow@trap.example>\r\nDATA\r\n");
        await sending.ExpectAsync("250");
        await sending.ExpectAsync("250");
        await sending.ExpectAsync("354");
        await sending.SendAsync("Subject: slow\r\n\r\nfirst half\r\n");

        var idle = new List<LmtpClient>(IdleConnections);
        try
        {
            for (var i = 0; i < IdleConnections; i++)
                idle.Add(await LmtpClient.ConnectAsync(listener.EndPoint));

            await using (var good = await listener.ConnectAsync())
            {
                var replies = await good.DeliverAsync(Encoding.ASCII.GetBytes("Subject: good\r\n\r\nbody\r\n"), "good@trap.example").WaitAsync(TimeSpan.FromSeconds(60));
                Assert.StartsWith("250 2.0.0", Assert.Single(replies));
            }

            // The idle ones that made room were told why.
            await idle[0].ExpectAsync("220");
            Assert.StartsWith("421 4.4.2", await idle[0].ReadReplyAsync());
            Assert.True(await idle[0].ClosedByServerAsync());
        }
        finally
        {
            foreach (var client in idle)
                await client.DisposeAsync();
        }

        await sending.SendAsync("second half\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await sending.ExpectAsync("250"));
        await AwaitAssertAsync(() => Assert.Equal(2, listener.StoredCount));
        lock (listener.Stored)
            Assert.Contains(listener.Stored, m => m.Envelope.Recipients.SequenceEqual(["slow@trap.example"])
                && m.Body.ToArray().AsSpan().SequenceEqual("Subject: slow\r\n\r\nfirst half\r\nsecond half\r\n"u8));
    }

    [Fact]
    public async Task Above_the_stress_threshold_idle_connections_time_out_with_the_short_timeout()
    {
        var settings = new LmtpServerSettings { MaxConnections = 10, StressCommandIdleTimeout = TimeSpan.FromMilliseconds(300) };
        var listener = await Listener.StartAsync(Sys, settings);
        var clients = new List<LmtpClient>();
        try
        {
            for (var i = 0; i < 9; i++)
                clients.Add(await listener.ConnectAsync());
            // 9 of 10 slots: over 80%. The usual timeout (300 s) would keep them all.
            foreach (var client in clients)
            {
                Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync());
                Assert.True(await client.ClosedByServerAsync());
            }
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }
}
