using System.Security.Cryptography;
using System.Text;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>What goes in comes out: the stored payload decodes to the exact bytes sent, and its sha256 is theirs.</summary>
public sealed class ByteExactTests : CollectorWithFileSink
{
    private async Task<StoredPayload> DeliverAndReadBackAsync(byte[] message)
    {
        await using var client = await LmtpClient.OpenAsync(Collector.EndPoint);
        var replies = await client.DeliverAsync(message, "x@trap.example");
        Assert.StartsWith("250 2.0.0 <x@trap.example>", replies[0]);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(message));
        Assert.EndsWith(sha256, replies[0]);
        return StoredPayload.ReadAll(SinkPath).Single(p => p.Sha256 == sha256);
    }

    [Fact]
    public async Task Eight_bit_utf8_message_is_stored_as_msg_without_b64()
    {
        var message = Encoding.UTF8.GetBytes("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nGrüße, 你好, 🙂\r\n");
        var payload = await DeliverAndReadBackAsync(message);
        Assert.Equal(message, payload.Bytes);
        Assert.False(payload.Json.TryGetProperty("msg_b64", out _));
    }

    [Fact]
    public async Task Non_utf8_message_round_trips_byte_for_byte_through_msg_b64()
    {
        var message = Encoding.Latin1.GetBytes("Subject: caf\u00e9\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCh\u00e8re cliente, \u00ff\u00fe\r\n")
            .Concat(new byte[] { 0x80, 0xC3, 0x28, 0x00, 0x0D, 0x0A }).ToArray();
        var payload = await DeliverAndReadBackAsync(message);
        Assert.Equal(message, payload.Bytes);
        Assert.Contains('\uFFFD', payload.Json.GetProperty("msg").GetString()!);
    }

    [Fact]
    public async Task A_100000_byte_line_in_data_is_stored_whole()
    {
        var message = Encoding.ASCII.GetBytes("Subject: long line\r\n\r\n" + new string('L', 100_000) + "\r\n.dot\r\n");
        var payload = await DeliverAndReadBackAsync(message);
        Assert.Equal(message, payload.Bytes);
    }

    [Fact]
    public async Task A_600_byte_command_line_is_answered_and_the_session_goes_on()
    {
        await using var client = await LmtpClient.OpenAsync(Collector.EndPoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("MAIL FROM:<" + new string('a', 580) + "@example.net>\r\n"));
        Assert.StartsWith("500 5.5.2", await client.ReadReplyAsync());
        var replies = await client.DeliverAsync("Subject: after\r\n\r\nok\r\n"u8.ToArray(), "x@trap.example");
        Assert.StartsWith("250 2.0.0", replies[0]);
    }
}
