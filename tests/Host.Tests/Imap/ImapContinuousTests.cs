using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary><c>-c</c>: new mail published within 5 s (IDLE, not the poll), after a reconnect too, in every configured folder.</summary>
public sealed class ImapContinuousTests
{
    [Fact]
    public async Task New_mail_is_published_within_5_s_by_idle_in_every_folder_and_after_dovecot_restarts()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = "secret1" });
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        await mailbox.FolderAsync("Junk");
        using var temp = new TempDirectory();
        var corpus = TrapCorpus.All.Where(m => m.Bytes.Length < 50_000).Select(m => m.Bytes).Take(4).ToArray();
        await mailbox.AppendAsync(corpus[0]);
        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1", folders: ["INBOX", "Junk"],
            // Ten minutes between polls: what is published within the waits below was pushed (IDLE), not polled.
            extra: "poll_seconds: 600"));
        var published = MailboxFile.Published(temp);

        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c"));
        await PublishedFile.WaitForAsync(published, TrapCorpus.Sha256(corpus[0]), TimeSpan.FromSeconds(60), () => collector.Output);

        // Appended while the collector waits in IDLE.
        await mailbox.AppendAsync(corpus[1]);
        // The issue's own figure: within 5 s of the append.
        var took = await PublishedFile.WaitForAsync(published, TrapCorpus.Sha256(corpus[1]), TimeSpan.FromSeconds(30), () => collector.Output);
        Assert.True(took < TimeSpan.FromSeconds(5), $"published after {took}");

        await mailbox.AppendAsync(corpus[2], folder: "Junk");
        took = await PublishedFile.WaitForAsync(published, TrapCorpus.Sha256(corpus[2]), TimeSpan.FromSeconds(30), () => collector.Output);
        Assert.True(took < TimeSpan.FromSeconds(5), $"Junk: published after {took}");

        // Delivered while the server is down: no EXISTS is ever seen for it; the search after the reconnect finds it.
        await dovecot.StopAsync();
        dovecot.DeliverToMaildir("trap1", corpus[3]);
        await dovecot.StartAgainAsync();
        await PublishedFile.WaitForAsync(published, TrapCorpus.Sha256(corpus[3]), TimeSpan.FromSeconds(30), () => collector.Output + "\n" + dovecot.Log);

        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(30));
        var payloads = StoredPayload.ReadAll(published);
        Assert.Equal(corpus.Select(TrapCorpus.Sha256).Order(), payloads.Select(p => p.Sha256).Order());
        Assert.All(payloads, p => Assert.True(p.HashMatches));
        await using var after = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        Assert.All((await after.FlagsAsync()).Values, f => Assert.True(f.HasFlag(MessageFlags.Seen)));
    }

    [Fact]
    public async Task A_wrong_password_is_said_once_and_retried_while_the_other_mailbox_is_collected()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = "secret1", ["trap2"] = "secret2" });
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var message = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).ElementAt(7).Bytes;
        await mailbox.AppendAsync(message);
        var file = MailboxFile.Write(temp,
            MailboxFile.Entry(dovecot.PlainPort, "trap2", "wrong"),
            MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));

        await using var collector = ImapCollectorProcess.Start(MailboxFile.Arguments(temp, file, "-c"));
        await PublishedFile.WaitForAsync(MailboxFile.Published(temp), TrapCorpus.Sha256(message), TimeSpan.FromSeconds(60), () => collector.Output);

        // Retried: Dovecot saw at least three failed logins for trap2 (it delays each failure by about 2 s).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (CountFailedLogins(dovecot.Log, "trap2") < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"trap2 not retried:\n{dovecot.Log}\n{collector.Output}");
            await Task.Delay(100);
        }
        var refused = collector.Output.Split('\n').Where(l => l.Contains("trap2@", StringComparison.Ordinal) && l.Contains("login refused", StringComparison.Ordinal)).ToArray();
        Assert.Single(refused);
        Assert.Contains("Authentication failed", refused[0], StringComparison.Ordinal);
        await collector.StopCleanlyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task One_pass_with_a_wrong_password_collects_the_good_mailbox_and_exits_1()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["trap1"] = "secret1", ["trap2"] = "secret2" });
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var message = TrapCorpus.All.Where(m => m.Bytes.Length < 20_000).ElementAt(8).Bytes;
        await mailbox.AppendAsync(message);
        var file = MailboxFile.Write(temp,
            MailboxFile.Entry(dovecot.PlainPort, "trap2", "wrong"),
            MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));

        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file));
        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Equal([TrapCorpus.Sha256(message)], StoredPayload.ReadAll(MailboxFile.Published(temp)).Select(p => p.Sha256));
        Assert.Contains("trap2@127.0.0.1", run.Output, StringComparison.Ordinal);
    }

    private static int CountFailedLogins(string log, string user) =>
        log.Split('\n').Count(l => l.Contains("auth failed", StringComparison.Ordinal) && l.Contains($"user=<{user}>", StringComparison.Ordinal));
}
