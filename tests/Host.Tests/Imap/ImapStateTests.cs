using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>The folder state under a renumbering server, and a message the sink refuses for good.</summary>
public sealed class ImapStateTests
{
    private static readonly Dictionary<string, string> Users = new() { ["trap1"] = "secret1" };

    [Fact]
    public async Task A_new_uidvalidity_makes_the_folder_read_again_and_says_so()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        using var temp = new TempDirectory();
        var messages = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).Take(3).Select(m => m.Bytes).ToArray();
        await using (var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1"))
        {
            foreach (var bytes in messages)
                await mailbox.AppendAsync(bytes);
        }
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var first = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-a"));
        Assert.True(first.ExitCode == 0, first.Output);

        await dovecot.StopAsync();
        // UIDVALIDITY is made from the clock: make sure the new one is another second's.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        dovecot.ForgetUids("trap1");
        await dovecot.StartAgainAsync();

        var second = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-a"));
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("UIDVALIDITY changed", second.Output, StringComparison.Ordinal);
        // Duplicates, not loss: every message twice.
        var published = StoredPayload.ReadAll(MailboxFile.Published(temp)).Select(p => p.Sha256).Order().ToArray();
        Assert.Equal(messages.Concat(messages).Select(TrapCorpus.Sha256).Order(), published);
    }

    [Fact]
    public async Task A_message_the_broker_refuses_as_too_large_stays_untouched_and_the_others_are_published()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var small = TrapCorpus.All.Where(m => m.Bytes.Length < 4_000).Take(3).Select(m => m.Bytes).ToArray();
        var large = TrapCorpus.All.First(m => m.Bytes.Length is > 50_000 and < 500_000).Bytes;
        await mailbox.AppendAsync(small[0]);
        var largeUid = await mailbox.AppendAsync(large);
        await mailbox.AppendAsync(small[1]);
        await mailbox.AppendAsync(small[2]);

        await using var broker = await FeedBroker.StartAsync();
        var feed = temp.File("feed.yml");
        await File.WriteAllTextAsync(feed, $"""
            broker: "127.0.0.1"
            port: {broker.Broker.Port}
            identity: "writer"
            secret: "secret"
            channels: ["spam.mails"]
            confirm: true
            max_payload_bytes: 20000
            oversize: reject
            """);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-f", feed, "-d"));
        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Contains("TooLarge", run.Output, StringComparison.Ordinal);

        await broker.Subscriber.WaitForAsync(small.Length, TimeSpan.FromSeconds(10));
        var left = await mailbox.FlagsAsync();
        Assert.Equal([largeUid], left.Keys);
        Assert.Equal(MessageFlags.None, left[largeUid] & (MessageFlags.Seen | MessageFlags.Deleted));
    }
}
