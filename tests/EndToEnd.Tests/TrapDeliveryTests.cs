using System.Security.Cryptography;
using System.Text;
using MimeKit;
using SmtpCollector.EndToEnd.Tests.Support;
using Xunit;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>Mail for any mailbox of the trap domains goes through real Postfix and the collector to the broker's subscriber.</summary>
public sealed class TrapDeliveryTests(TrapStack stack) : IClassFixture<TrapStack>
{
    [Theory]
    [InlineData("x@trap.example")]
    [InlineData("Y@SUB.TRAP.EXAMPLE")]
    [InlineData("anyone.at.all+tag@deep.sub.second-trap.example")]
    public async Task Mail_to_any_mailbox_of_a_trap_domain_arrives_at_the_subscriber_with_a_matching_hash(string recipient)
    {
        var token = Guid.NewGuid().ToString("N");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("spammer@evil.example"));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = "Cheap " + token;
        message.Body = new TextPart("plain") { Text = "Buy now " + token };

        await SmtpSender.SendAsync(stack.Postfix.SmtpPort, message, "spammer@evil.example", recipient);

        var published = Assert.Single(await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 1));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(published.Message)), published.Sha256);
        Assert.Equal([recipient], published.Recipients);
        Assert.Equal(TrapStack.Channel, published.Channel);
        Assert.StartsWith("Received: from " + SmtpSender.ClientHelo, published.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_eight_bit_body_arrives_byte_for_byte_with_no_mime_downgrade()
    {
        var token = Guid.NewGuid().ToString("N");
        // Latin-1 bytes, not UTF-8: the payload must carry them as msg_b64, exactly.
        var sent = Encoding.Latin1.GetBytes(
            $"From: <spammer@evil.example>\r\nTo: <victim@trap.example>\r\nSubject: {token}\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "Gr\u00fc\u00dfe aus K\u00f6ln, \u00ff\u00e9\u00e8\r\n.leading dot\r\n");

        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, sent, "spammer@evil.example", "victim@trap.example");
        Assert.StartsWith("250", replies[^2], StringComparison.Ordinal);

        var published = Assert.Single(await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 1));
        Assert.True(published.Message.AsSpan().EndsWith(sent), "the message's bytes changed on the way:\n" + Encoding.Latin1.GetString(published.Message));
        AssertOnlyPostfixHeaderPrepended(published.Message, sent.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(published.Message)), published.Sha256);
    }

    [Fact]
    public async Task A_utf8_mailbox_arrives_through_smtputf8()
    {
        var token = Guid.NewGuid().ToString("N");
        const string recipient = "p\u00e4\u00e4postitus@trap.example";
        var sent = Encoding.UTF8.GetBytes(
            $"From: =?utf-8?q?sp=C3=A4mmer?= <spammer@evil.example>\r\nTo: <{recipient}>\r\nSubject: {token} \u00fcber\r\n\r\nHall\u00f6\r\n");

        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, sent, "spammer@evil.example", recipient);
        Assert.StartsWith("250", replies[^2], StringComparison.Ordinal);

        var published = Assert.Single(await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 1));
        Assert.True(published.Message.AsSpan().EndsWith(sent));
        Assert.Equal([recipient], published.Recipients);
    }

    [Fact]
    public async Task The_spammers_address_and_helo_arrive_through_xforward()
    {
        var token = Guid.NewGuid().ToString("N");
        var sent = Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nhello\r\n");

        await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, sent, "spammer@evil.example", "victim@trap.example");

        var published = Assert.Single(await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 1));
        Assert.Equal("127.0.0.1", published.Envelope.GetProperty("client_address").GetString());
        Assert.Equal(SmtpSender.ClientHelo, published.Envelope.GetProperty("client_helo").GetString());
        Assert.Equal("SMTP", published.Envelope.GetProperty("client_protocol").GetString()?.TrimStart('E'));
    }

    [Fact]
    public async Task Sixty_recipients_in_two_domains_are_all_delivered_and_none_deferred()
    {
        var token = Guid.NewGuid().ToString("N");
        var recipients = Enumerable.Range(0, 60).Select(i => i % 2 == 0 ? $"r{i}@trap.example" : $"r{i}@mx.second-trap.example").ToArray();
        var sent = Encoding.ASCII.GetBytes($"Subject: {token}\r\n\r\nto many\r\n");

        var replies = await SmtpSender.SendRawAsync(stack.Postfix.SmtpPort, sent, "spammer@evil.example", recipients);
        var queueId = replies[^2].Split(' ')[^1];

        // Postfix's LMTP client takes 50 recipients per delivery: two deliveries, one reply per recipient each.
        var published = await stack.WaitForPublishedAsync(p => p.Text.Contains(token, StringComparison.Ordinal), 2);
        Assert.Equal(recipients.Order(StringComparer.Ordinal), published.SelectMany(p => p.Recipients).Order(StringComparer.Ordinal));
        var log = await stack.Postfix.WaitForLogAsync(
            l => l.Contains($"{queueId}: removed", StringComparison.Ordinal), $"{queueId} removed from the queue");
        var lines = log.Split('\n').Where(l => l.Contains(queueId + ": to=", StringComparison.Ordinal)).ToList();
        Assert.Equal(60, lines.Count(l => l.Contains("status=sent", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains("status=deferred", StringComparison.Ordinal));
        Assert.True(await stack.Postfix.QueueIsEmptyAsync());
    }

    private static void AssertOnlyPostfixHeaderPrepended(byte[] received, int sentLength)
    {
        var prefix = Encoding.ASCII.GetString(received, 0, received.Length - sentLength);
        Assert.StartsWith("Received: from ", prefix, StringComparison.Ordinal);
        Assert.All(prefix.Split("\r\n", StringSplitOptions.RemoveEmptyEntries),
            line => Assert.True(line.StartsWith("Received: ", StringComparison.Ordinal) || line.StartsWith('\t') || line.StartsWith(' '), line));
    }
}
