using System.Text;
using SmtpCollector.EndToEnd.Tests.Support;
using Xunit;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>A stack whose collector takes smaller messages than Postfix does: its 552 is a permanent refusal.</summary>
public sealed class SmallCollectorStack : TrapStack
{
    protected override long CollectorMaxMessageBytes => 64 * 1024;
}

public sealed class NoOutboundMailTests(SmallCollectorStack stack) : IClassFixture<SmallCollectorStack>
{
    [Fact]
    public async Task A_message_the_collector_refuses_for_good_sends_no_bounce_or_any_other_mail()
    {
        var token = Guid.NewGuid().ToString("N");
        var body = new StringBuilder($"Subject: {token}\r\n\r\n");
        while (body.Length < 100 * 1024)
            body.Append("too big for this collector, not for Postfix\r\n");

        // A forged sender at a real-looking outside domain, and one inside the trap: neither may get a bounce.
        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, Encoding.ASCII.GetBytes(body.ToString()),
            "victim-of-forgery@trap.example", "x@trap.example");
        var queueId = replies[^2].Split(' ')[^1];

        var log = await stack.Postfix.WaitForLogAsync(l => l.Contains($"{queueId}: removed", StringComparison.Ordinal), $"{queueId} removed");
        // Postfix itself sees the collector's SIZE and refuses the message for good before sending it.
        Assert.Contains("exceeds size limit 65536 of server", log, StringComparison.Ordinal);
        Assert.Contains("status=bounced", log, StringComparison.Ordinal);
        // The bounce daemon's notice is discarded by the cleanup service it posts to, before it is ever queued.
        Assert.Contains("discard: header Received:", log, StringComparison.Ordinal);
        Assert.Contains("spamtrap sends no notices", log, StringComparison.Ordinal);
        Assert.DoesNotContain("postfix/smtp[", log, StringComparison.Ordinal);
        Assert.DoesNotContain("postfix/error[", log, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Split('\n'), line => line.Contains("postfix/qmgr", StringComparison.Ordinal) && line.Contains("from=<>", StringComparison.Ordinal));
        Assert.Single(log.Split('\n'), line => line.Contains("status=", StringComparison.Ordinal));
        await stack.Postfix.WaitForEmptyQueueAsync();
        Assert.DoesNotContain(stack.Published, p => p.Text.Contains(token, StringComparison.Ordinal));
    }
}
