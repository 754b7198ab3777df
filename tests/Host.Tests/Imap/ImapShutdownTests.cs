using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>SIGTERM in the middle of a pass: the message being published is finished (stored and marked), nothing is left half done.</summary>
public sealed class ImapShutdownTests
{
    [Fact]
    public async Task Sigterm_in_mid_pass_exits_0_with_exactly_the_published_messages_seen()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = "secret1" });
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var shaByUid = new Dictionary<uint, string>();
        // Enough that the pass is still going when SIGTERM lands, even on a fast machine (150 were all published first once).
        var small = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).Take(150).ToArray();
        for (var round = 0; round < 4; round++)
        {
            foreach (var (_, bytes) in small)
                shaByUid[await mailbox.AppendAsync(bytes)] = TrapCorpus.Sha256(bytes);
        }
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));

        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c"));
        await collector.WaitForOutputAsync("published uid 20 ", TimeSpan.FromSeconds(60));
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(30));

        var published = StoredPayload.ReadAll(MailboxFile.Published(temp)).Select(p => p.Sha256).ToList();
        Assert.InRange(published.Count, 20, shaByUid.Count - 1);
        var seen = (await mailbox.FlagsAsync()).Where(f => f.Value.HasFlag(MessageFlags.Seen)).Select(f => shaByUid[f.Key]).ToList();
        Assert.Equal(published.Order(), seen.Order());
    }
}
