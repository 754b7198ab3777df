using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>A server that offers neither IDLE nor UIDPLUS: the collector polls, and with -d leaves expunging to the server.</summary>
public sealed class ImapPollingTests
{
    [Fact]
    public async Task Without_idle_it_polls_and_without_uidplus_it_only_flags_deleted()
    {
        // Dovecot still understands both commands; the capability list is what a client goes by.
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = "secret1" },
            extraConfig: "imap_capability = IMAP4rev1 LITERAL+ SASL-IR");
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).Skip(20).Take(2).Select(m => m.Bytes).ToArray();
        var first = await mailbox.AppendAsync(messages[0]);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1", extra: "poll_seconds: 1"));

        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c", "-d"));
        await PublishedFile.WaitForAsync(MailboxFile.Published(temp), TrapCorpus.Sha256(messages[0]), TimeSpan.FromSeconds(60), () => collector.Output);
        var second = await mailbox.AppendAsync(messages[1]);
        // Appended after the first pass, with no IDLE to hear of it: only a poll finds it.
        await PublishedFile.WaitForAsync(MailboxFile.Published(temp), TrapCorpus.Sha256(messages[1]), TimeSpan.FromSeconds(30), () => collector.Output);
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("no UIDPLUS", collector.Output, StringComparison.Ordinal);
        Assert.Contains("the server offers no IDLE: polling every 1 s", collector.Output, StringComparison.Ordinal);
        var left = await mailbox.FlagsAsync();
        Assert.Equal(new[] { first, second }, left.Keys.Order());
        Assert.All(left.Values, f => Assert.True(f.HasFlag(MessageFlags.Deleted)));
    }
}
