using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>Nothing is marked or deleted unless its sink said stored: a broker outage and a SIGKILL in mid-pass.</summary>
public sealed class ImapOutageTests
{
    private static readonly Dictionary<string, string> Users = new() { ["trap1"] = "secret1" };

    [Fact]
    public async Task Broker_down_marks_and_deletes_nothing_ends_within_about_one_deadline_and_the_next_pass_publishes_all()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.All.Where(m => m.Bytes.Length < 200_000).Take(8).Select(m => m.Bytes).ToArray();
        foreach (var bytes in messages)
            await mailbox.AppendAsync(bytes);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));

        // Nothing listens on this port: the publisher cannot connect.
        var deadPort = ClosedPort();
        var downFeed = Archive.WriteFeedConfig(temp, deadPort, "feed-down.yml");
        const int deadlineSeconds = 4;
        var down = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-f", downFeed, "-d", "--sink-deadline", $"{deadlineSeconds}"));
        Assert.True(down.ExitCode == 1, down.Output);
        // One deadline for the pass, not one per message (8 x 4 s): start-up, one deadline and some slack.
        Assert.True(down.Took < TimeSpan.FromSeconds(deadlineSeconds + 12), $"took {down.Took}");
        var flags = await mailbox.FlagsAsync();
        Assert.Equal(messages.Length, flags.Count);
        Assert.All(flags.Values, f => Assert.Equal(MessageFlags.None, f & (MessageFlags.Seen | MessageFlags.Deleted)));

        await using var broker = await FeedBroker.StartAsync();
        var upFeed = Archive.WriteFeedConfig(temp, broker.Broker.Port, "feed-up.yml");
        var up = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-f", upFeed, "-d", "--sink-deadline", "30"));
        Assert.True(up.ExitCode == 0, up.Output);
        var frames = await broker.Subscriber.WaitForAsync(messages.Length, TimeSpan.FromSeconds(10));
        Assert.Equal(messages.Select(TrapCorpus.Sha256).Order(),
            frames.Select(f => JsonDocument.Parse(f.Payload).RootElement.GetProperty("sha256").GetString()).Order());
        Assert.Empty(await mailbox.FlagsAsync());
    }

    [Fact]
    public async Task Killed_in_mid_pass_the_next_pass_publishes_whatever_was_not_confirmed()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).Take(150).Select(m => m.Bytes).ToArray();
        foreach (var bytes in messages)
            await mailbox.AppendAsync(bytes);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));

        await using (var first = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file)))
        {
            await first.WaitForOutputAsync("published uid 20 ", TimeSpan.FromSeconds(60));
            await first.KillAsync();
        }
        var beforeSecond = StoredPayload.ReadAll(MailboxFile.Published(temp)).Count;
        Assert.InRange(beforeSecond, 20, messages.Length - 1);

        var second = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.True(second.ExitCode == 0, second.Output);
        var published = StoredPayload.ReadAll(MailboxFile.Published(temp));
        Assert.Equal(messages.Select(TrapCorpus.Sha256).Distinct().Order(), published.Select(p => p.Sha256).Distinct().Order());
        // Duplicates are allowed (a message confirmed by the sink but killed before its \Seen): at most the one in flight.
        var duplicates = published.Count - published.Select(p => p.Sha256).Distinct().Count() - (messages.Length - messages.Select(TrapCorpus.Sha256).Distinct().Count());
        Assert.InRange(duplicates, 0, 1);
        Assert.All((await mailbox.FlagsAsync()).Values, f => Assert.True(f.HasFlag(MessageFlags.Seen)));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
