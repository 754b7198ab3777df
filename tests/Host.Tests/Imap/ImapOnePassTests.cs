using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary>One pass of <c>smtp-collector imap</c> against a real Dovecot, with the local file sink.</summary>
public sealed class ImapOnePassTests
{
    private static readonly Dictionary<string, string> Users = new() { ["trap1"] = "secret1" };

    [Fact]
    public async Task One_pass_publishes_exactly_the_unseen_messages_byte_for_byte_then_fetch_all_the_rest_once()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var unseen = TrapCorpus.Mix(plain: 5);
        var seen = TrapCorpus.All.Where(m => TrapCorpus.IsUtf8(m.Bytes)).Skip(40).Take(3).Select(m => m.Bytes).ToArray();
        var unseenUids = new List<uint>();
        foreach (var bytes in unseen)
            unseenUids.Add(await mailbox.AppendAsync(bytes));
        var seenUids = new List<uint>();
        foreach (var bytes in seen)
            seenUids.Add(await mailbox.AppendAsync(bytes, MessageFlags.Seen));
        Assert.Contains(unseen, m => !TrapCorpus.IsUtf8(m));
        Assert.Contains(unseen, m => TrapCorpus.LongestLine(m) > 100_000);

        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var first = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.True(first.ExitCode == 0, first.Output);

        var published = StoredPayload.ReadAll(MailboxFile.Published(temp));
        Assert.Equal(unseen.Select(TrapCorpus.Sha256).Order(), published.Select(p => p.Sha256).Order());
        Assert.All(published, p => Assert.True(p.HashMatches, $"{p.Sha256}: the payload's bytes do not hash to its sha256"));
        Assert.All(published, p => Assert.Equal(unseen.Single(u => TrapCorpus.Sha256(u) == p.Sha256), p.Bytes));

        // Exactly the published ones became \Seen; none is deleted.
        var flags = await mailbox.FlagsAsync();
        Assert.Equal(unseenUids.Concat(seenUids).Order(), flags.Keys.Order());
        Assert.All(flags.Values, f => Assert.True(f.HasFlag(MessageFlags.Seen) && !f.HasFlag(MessageFlags.Deleted), f.ToString()));

        // Nothing new: a second pass publishes nothing.
        var second = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal(unseen.Length, StoredPayload.ReadAll(MailboxFile.Published(temp)).Count);

        // -a: every message, but those already published are remembered, so only the three seen ones are new; twice is once.
        for (var pass = 0; pass < 2; pass++)
        {
            var all = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-a"));
            Assert.True(all.ExitCode == 0, all.Output);
        }
        var everything = StoredPayload.ReadAll(MailboxFile.Published(temp));
        Assert.Equal(unseen.Concat(seen).Select(TrapCorpus.Sha256).Order(), everything.Select(p => p.Sha256).Order());
        Assert.All(everything, p => Assert.True(p.HashMatches));
    }

    [Fact]
    public async Task Fetch_all_publishes_every_message_and_marks_none()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.Mix(plain: 3);
        foreach (var (bytes, i) in messages.Select((m, i) => (m, i)))
            await mailbox.AppendAsync(bytes, i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None);

        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "--fetch-all"));
        Assert.True(run.ExitCode == 0, run.Output);

        var published = StoredPayload.ReadAll(MailboxFile.Published(temp));
        Assert.Equal(messages.Select(TrapCorpus.Sha256).Order(), published.Select(p => p.Sha256).Order());
        var flags = await mailbox.FlagsAsync();
        Assert.Equal(messages.Length / 2 + messages.Length % 2, flags.Values.Count(f => f.HasFlag(MessageFlags.Seen)));
    }

    [Fact]
    public async Task Delete_expunges_exactly_the_published_and_keeps_what_another_client_flagged_deleted()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.Mix(plain: 2);
        foreach (var bytes in messages)
            await mailbox.AppendAsync(bytes);
        var keptSeen = await mailbox.AppendAsync(TrapCorpus.All[100].Bytes, MessageFlags.Seen);
        var othersDeleted = await mailbox.AppendAsync(TrapCorpus.All[101].Bytes, MessageFlags.Seen | MessageFlags.Deleted);

        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "-d"));
        Assert.True(run.ExitCode == 0, run.Output);

        Assert.Equal(messages.Select(TrapCorpus.Sha256).Order(), StoredPayload.ReadAll(MailboxFile.Published(temp)).Select(p => p.Sha256).Order());
        var left = await mailbox.FlagsAsync();
        Assert.Equal(new[] { keptSeen, othersDeleted }, left.Keys.Order());
        Assert.True(left[othersDeleted].HasFlag(MessageFlags.Deleted));
    }
}
