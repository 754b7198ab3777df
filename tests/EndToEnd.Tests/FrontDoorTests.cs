using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using SmtpCollector.EndToEnd.Tests.Support;
using Xunit;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>What the Postfix front refuses, offers and lets an operator change, with the rest of the stack behind it.</summary>
public sealed class FrontDoorTests(TrapStack stack) : IClassFixture<TrapStack>
{
    [Theory]
    [InlineData("x@other.example")]
    [InlineData("x@trap.example.evil.example")]
    [InlineData("x@nottrap.example")]
    [InlineData("x@trap.example@other.example")]
    public async Task Mail_for_any_other_destination_is_refused_at_smtp_time_even_from_loopback(string recipient)
    {
        var token = Guid.NewGuid().ToString("N");

        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nrelay?\r\n"),
            "spammer@evil.example", recipient);

        Assert.Contains(replies, r => r.StartsWith("554 5.7.1", StringComparison.Ordinal) && r.Contains("Relay access denied", StringComparison.Ordinal)
            || r.StartsWith("501 5.1.3", StringComparison.Ordinal));
        Assert.DoesNotContain(replies, r => r.StartsWith("354", StringComparison.Ordinal));
        Assert.True(await stack.Postfix.QueueIsEmptyAsync());
        Assert.DoesNotContain(stack.Published, p => p.Text.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Starttls_is_offered_and_works_and_vrfy_is_off()
    {
        using var client = new SmtpClient { LocalDomain = SmtpSender.ClientHelo };
        // The certificate is the self-signed one postfix/configure made at first start: nothing to validate it against.
        client.ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=trap-mx.test";
        await client.ConnectAsync("127.0.0.1", stack.Postfix.SmtpPort, SecureSocketOptions.StartTls);

        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        var vrfy = await Assert.ThrowsAsync<SmtpCommandException>(() => client.VerifyAsync("x@trap.example"));
        Assert.Equal(SmtpStatusCode.CommandNotImplemented, vrfy.StatusCode);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task A_domain_added_to_the_list_is_accepted_without_restarting_postfix()
    {
        var masterBefore = await stack.Postfix.MasterPidAsync();
        var refused = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, "Subject: before\r\n\r\nx\r\n"u8.ToArray(), "s@evil.example", "x@added-trap.example");
        Assert.Contains(refused, r => r.StartsWith("554 5.7.1", StringComparison.Ordinal));

        var token = Guid.NewGuid().ToString("N");
        await File.AppendAllTextAsync(stack.DomainsFile, "Added-Trap.Example\n");
        await stack.Postfix.ReloadDomainsAsync();

        // The collector re-reads the same file on its own; a 550 from it would only bounce (and be discarded), so wait for
        // the published message, not just Postfix's 250.
        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nx\r\n"),
            "s@evil.example", "x@mx.added-trap.example");
        Assert.StartsWith("250", replies[^2], StringComparison.Ordinal);
        Assert.Single(await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 1));
        Assert.Equal(masterBefore, await stack.Postfix.MasterPidAsync());
    }

    [Fact]
    public async Task Mail_accepted_for_a_removed_domain_before_postfix_reloads_is_delivered()
    {
        // A domain of its own, listed first the documented way, so that the other tests' domains stay as they are.
        var reloads = CollectorReloads();
        await File.AppendAllTextAsync(stack.DomainsFile, "leaving-trap.example\n");
        await stack.Postfix.ReloadDomainsAsync();
        await WaitForCollectorAsync(() => CollectorReloads() > reloads, "the collector never re-read the domains file");

        // Removed: the collector notices within domains_poll_seconds, Postfix only when it reloads (in the container a
        // few seconds later). Mail it accepts meanwhile reaches a collector that no longer lists the domain.
        reloads = CollectorReloads();
        var lines = await File.ReadAllLinesAsync(stack.DomainsFile);
        await File.WriteAllLinesAsync(stack.DomainsFile + ".new", lines.Where(l => l != "leaving-trap.example"));
        File.Move(stack.DomainsFile + ".new", stack.DomainsFile, overwrite: true);
        await WaitForCollectorAsync(() => CollectorReloads() > reloads, "the collector never noticed the removal");

        var token = Guid.NewGuid().ToString("N");
        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nx\r\n"),
            "s@evil.example", "x@leaving-trap.example");
        Assert.StartsWith("250", replies[^2], StringComparison.Ordinal);
        // Delivered within the grace (domains_grace_seconds, 60 by default): published, not refused 550 and bounced away.
        Assert.Single(await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 1));
        Assert.Contains("no longer listed but still accepted: leaving-trap.example", stack.Collector!.Output, StringComparison.Ordinal);
        await stack.Postfix.WaitForEmptyQueueAsync();
        Assert.DoesNotContain("550 5.1.2", stack.Postfix.Log, StringComparison.Ordinal);

        await stack.Postfix.ReloadDomainsAsync();
        var refused = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, "Subject: after\r\n\r\nx\r\n"u8.ToArray(), "s@evil.example", "x@leaving-trap.example");
        Assert.Contains(refused, r => r.StartsWith("554 5.7.1", StringComparison.Ordinal));
    }

    private int CollectorReloads() =>
        System.Text.RegularExpressions.Regex.Count(stack.Collector!.Output, "trap domains reloaded");

    private async Task WaitForCollectorAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}:\n{stack.Collector!.Output}");
            await Task.Delay(50);
        }
    }
}
