using Akka.Actor;
using Akka.TestKit;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using SmtpCollector.Protocol.Lmtp;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>
/// The domains file's actor in front of a real listener: a domain removed from the file is still accepted over LMTP for
/// the grace period, on the test's clock, and refused with 550 5.1.2 after it.
/// </summary>
public sealed class TrapDomainsFileSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _directory = new();
    private readonly ManualClock _clock = new();

    private sealed record Setup(Listener Listener, TestProbe Updates, string File);

    private async Task<Setup> StartAsync(string initial, TimeSpan grace)
    {
        var file = _directory.File("domains");
        await File.WriteAllTextAsync(file, initial);
        var listener = await Listener.StartAsync(Sys, new LmtpServerSettings { HostName = "collector.test", Domains = new TrapDomains(TrapDomains.ParseList(initial)) });
        // The updates go to a probe first, so that the test knows when the listener has one.
        var updates = CreateTestProbe();
        Sys.ActorOf(TrapDomainsFileActor.Props(file, [], initial, TimeSpan.FromMilliseconds(50), grace, updates, _clock));
        return new Setup(listener, updates, file);
    }

    private static void Rewrite(Setup setup, string text)
    {
        File.WriteAllText(setup.File + ".new", text);
        File.Move(setup.File + ".new", setup.File, overwrite: true);
    }

    /// <summary>The file actor's next update, handed on to the listener; once the listener answers the message after it, new sessions use it.</summary>
    private static async Task<TrapDomains> RelayUpdateAsync(Setup setup)
    {
        var update = await setup.Updates.ExpectMsgAsync<UpdateTrapDomains>(TimeSpan.FromSeconds(10));
        setup.Listener.Actor.Tell(update);
        await setup.Listener.Actor.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(10));
        return update.Domains;
    }

    private static async Task<LmtpClient> InTransactionAsync(Setup setup)
    {
        var client = await setup.Listener.ConnectAsync();
        await client.SendAsync("MAIL FROM:<s@example.net>\r\n");
        await client.ExpectAsync("250 2.1.0");
        return client;
    }

    private static async Task<string?> RcptAsync(LmtpClient client, string recipient)
    {
        await client.SendAsync($"RCPT TO:<{recipient}>\r\n");
        return await client.ReadReplyAsync();
    }

    [Fact]
    public async Task A_domain_removed_from_the_file_gets_250_during_the_grace_period_and_550_after_it()
    {
        var setup = await StartAsync("trap.example\nleaving.example\n", Grace);
        Rewrite(setup, "trap.example\n");
        var domains = await RelayUpdateAsync(setup);
        Assert.Equal(["trap.example"], domains.Domains);

        await using (var during = await InTransactionAsync(setup))
        {
            Assert.StartsWith("250 2.1.5", await RcptAsync(during, "x@leaving.example"));
            Assert.StartsWith("250 2.1.5", await RcptAsync(during, "x@mx.leaving.example"));
        }

        _clock.Advance(Grace);
        await using var after = await InTransactionAsync(setup);
        Assert.StartsWith("550 5.1.2", await RcptAsync(after, "x@leaving.example"));
        Assert.StartsWith("250 2.1.5", await RcptAsync(after, "x@trap.example"));
    }

    [Fact]
    public async Task A_session_opened_during_the_grace_period_refuses_the_domain_once_it_is_over()
    {
        var setup = await StartAsync("trap.example\nleaving.example\n", Grace);
        Rewrite(setup, "trap.example\n");
        await RelayUpdateAsync(setup);

        await using var client = await InTransactionAsync(setup);
        Assert.StartsWith("250 2.1.5", await RcptAsync(client, "a@leaving.example"));
        _clock.Advance(Grace);
        Assert.StartsWith("550 5.1.2", await RcptAsync(client, "b@leaving.example"));
    }

    [Fact]
    public async Task With_no_grace_a_removed_domain_is_refused_as_soon_as_the_file_is_read()
    {
        var setup = await StartAsync("trap.example\nleaving.example\n", TimeSpan.Zero);
        Rewrite(setup, "trap.example\n");
        await RelayUpdateAsync(setup);

        await using var client = await InTransactionAsync(setup);
        Assert.StartsWith("550 5.1.2", await RcptAsync(client, "x@leaving.example"));
    }

    [Fact]
    public async Task When_the_grace_period_ends_the_listener_gets_the_list_without_the_domain()
    {
        var grace = TimeSpan.FromMilliseconds(200);
        var setup = await StartAsync("trap.example\nleaving.example\n", grace);
        Rewrite(setup, "trap.example\n");
        Assert.Equal(["leaving.example"], (await RelayUpdateAsync(setup)).Leaving.Select(l => l.Domain));

        // The actor's timer runs on Akka's scheduler; the grace is over only when the test's clock says so.
        _clock.Advance(grace);
        var pruned = await setup.Updates.ExpectMsgAsync<UpdateTrapDomains>(TimeSpan.FromSeconds(10));
        Assert.Empty(pruned.Domains.Leaving);
        Assert.Equal(["trap.example"], pruned.Domains.Domains);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            _directory.Dispose();
    }
}
