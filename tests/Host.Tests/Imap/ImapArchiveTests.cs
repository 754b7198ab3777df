using MailKit;
using SmtpCollector.Host.Tests.Imap.Support;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

/// <summary><c>smtp-collector imap --archive DIR</c>: the IMAP source archives as the LMTP side does, and marks only what both sinks stored.</summary>
public sealed class ImapArchiveTests
{
    private static readonly Dictionary<string, string> Users = new() { ["trap1"] = "secret1" };

    [Fact]
    public async Task Every_published_message_is_in_the_archive_byte_for_byte_with_its_envelope()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.Mix(plain: 4);
        foreach (var bytes in messages)
            await mailbox.AppendAsync(bytes);
        var maildir = temp.File("archive");

        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var run = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "--archive", maildir));
        Assert.True(run.ExitCode == 0, run.Output);

        var expected = messages.Select(TrapCorpus.Sha256).Order().ToArray();
        Assert.Equal(expected, StoredPayload.ReadAll(MailboxFile.Published(temp)).Select(p => p.Sha256).Order());
        var (archived, files) = Archive.Read(maildir);
        Assert.Equal(expected, archived.Keys.Order());
        Assert.Equal(messages.Length, files);
        Assert.All(messages, m => Assert.Equal(m, archived[TrapCorpus.Sha256(m)]));
        Assert.Equal(files, Directory.GetFiles(Path.Combine(maildir, "envelope")).Length);
    }

    [Fact]
    public async Task An_unwritable_archive_leaves_every_message_unmarked_and_the_next_pass_takes_them()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var mailbox = await TrapMailbox.OpenAsync(dovecot, "trap1", "secret1");
        using var temp = new TempDirectory();
        var messages = TrapCorpus.Mix(plain: 2);
        foreach (var bytes in messages)
            await mailbox.AppendAsync(bytes);
        var maildir = temp.File("archive");
        // The tests run as root, whom permissions do not stop: a file where the archive should be makes it unwritable for anyone.
        await File.WriteAllTextAsync(maildir, "not a folder");

        var file = MailboxFile.Write(temp, MailboxFile.Entry(dovecot.PlainPort, "trap1", "secret1"));
        var failed = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "--archive", maildir, "--sink-deadline", "5"));
        Assert.True(failed.ExitCode == 1, failed.Output);
        // Not stored by both: none is marked, so nothing is taken for done.
        Assert.All((await mailbox.FlagsAsync()).Values, f => Assert.False(f.HasFlag(MessageFlags.Seen), f.ToString()));

        File.Delete(maildir);
        var again = await ImapCollectorProcess.RunAsync(MailboxFile.Arguments(temp, file, "--archive", maildir));
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(messages.Select(TrapCorpus.Sha256).Order(), Archive.Read(maildir).BySha256.Keys.Order());
        Assert.All((await mailbox.FlagsAsync()).Values, f => Assert.True(f.HasFlag(MessageFlags.Seen), f.ToString()));
    }
}
