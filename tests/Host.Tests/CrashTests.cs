using System.Security.Cryptography;
using System.Text;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>What was confirmed with 250 survives kill -9; SIGTERM lets a message in progress finish and exits 0.</summary>
public sealed class CrashTests
{
    private static byte[] Message(int i) => Encoding.ASCII.GetBytes($"Subject: crash test {i}\r\nMessage-Id: <{i}@tests.example>\r\n\r\n{new string('z', 2000 + i)}\r\n");

    [Fact]
    public async Task Killing_the_process_right_after_a_250_loses_nothing_that_was_confirmed()
    {
        using var temp = new TempDirectory();
        var sink = temp.File("messages.jsonl");
        var confirmed = new List<string>();

        for (var round = 0; round < 3; round++)
        {
            await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{sink}");
            await using (var client = await LmtpClient.OpenAsync(collector.EndPoint))
            {
                for (var i = 0; i < 20; i++)
                {
                    var message = Message(round * 100 + i);
                    var reply = (await client.DeliverAsync(message, "x@trap.example"))[0];
                    Assert.StartsWith("250 2.0.0", reply);
                    confirmed.Add(Convert.ToHexStringLower(SHA256.HashData(message)));
                }
                // Pipelined so that kill -9 lands while later messages are still arriving.
                await client.SendAsync(MessageBytes.DotStuff(Message(round * 100 + 99)));
            }
            await collector.KillAsync();
        }

        var stored = StoredPayload.ReadAll(sink);
        Assert.All(stored, p => Assert.True(p.HashMatches));
        var storedHashes = stored.Select(p => p.Sha256).ToHashSet();
        Assert.All(confirmed, sha256 => Assert.Contains(sha256, storedHashes));
    }

    [Fact]
    public async Task Sigterm_lets_the_message_in_data_finish_answers_others_421_and_exits_0()
    {
        using var temp = new TempDirectory();
        var sink = temp.File("messages.jsonl");
        await using var collector = await CollectorProcess.StartAsync("--sink", $"file:{sink}");
        await using var idle = await LmtpClient.OpenAsync(collector.EndPoint);
        await using var busy = await LmtpClient.OpenAsync(collector.EndPoint);
        await busy.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<x@trap.example>\r\nDATA\r\n"u8.ToArray());
        await busy.ExpectAsync("250");
        await busy.ExpectAsync("250");
        await busy.ExpectAsync("354");
        await busy.SendAsync("Subject: in flight during shutdown\r\n\r\n"u8.ToArray());

        var exit = collector.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("421 4.3.2", await idle.ReadReplyAsync());
        await busy.SendAsync("the end\r\n.\r\n"u8.ToArray());
        Assert.StartsWith("250 2.0.0", await busy.ReadReplyAsync());
        Assert.StartsWith("421 4.3.2", await busy.ReadReplyAsync());
        var code = await exit;
        Assert.True(code == 0, $"exit {code}, not 0:\n{collector.Output}");
        Assert.Single(StoredPayload.ReadAll(sink));
    }
}
