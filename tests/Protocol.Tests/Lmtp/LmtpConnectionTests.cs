using System.Text;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Protocol.Tests.Lmtp;

/// <summary>What the connection core asks its caller to wait for (the fuzz properties check its replies and messages).</summary>
public sealed class LmtpConnectionTests
{
    private static readonly LmtpSessionSettings Settings = new("mx.test", new LmtpLimits(), TrapDomains.Any);

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string TakeOutput(LmtpConnection connection)
    {
        var text = Encoding.UTF8.GetString(connection.Output);
        connection.ClearOutput();
        return text;
    }

    [Fact]
    public void A_pipelined_group_longer_than_the_limit_waits_for_its_replies_to_be_read_before_going_on()
    {
        var connection = new LmtpConnection(Settings, new InFlightBudget(1 << 20), "192.0.2.1:1");
        TakeOutput(connection);
        var input = Ascii(string.Concat(Enumerable.Repeat("NOOP\r\n", LmtpConnection.MaxCommandsPerGroup + 1)));

        var first = connection.Process(input);
        Assert.Equal((ConnectionWait.RepliesRead, LmtpConnection.MaxCommandsPerGroup * 6), (first.Wait, first.Consumed));
        Assert.Equal(LmtpConnection.MaxCommandsPerGroup, TakeOutput(connection).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        var rest = connection.Process(input.AsSpan(first.Consumed));
        Assert.Equal((ConnectionWait.Input, 6), (rest.Wait, rest.Consumed));
        Assert.Equal("250 2.0.0 Ok\r\n", TakeOutput(connection));
    }

    [Fact]
    public void Data_waits_for_room_for_its_declared_size_before_354_and_a_given_up_wait_ends_in_452()
    {
        var budget = new InFlightBudget(64 * 1024);
        while (budget.TryReserve(budget.SmallMessageBytes, budget.SmallMessageBytes))
        {
        }
        var full = budget.Used;
        var connection = new LmtpConnection(Settings, budget, "192.0.2.1:1");
        var input = Ascii("LHLO c\r\nMAIL FROM:<s@example.net> SIZE=100\r\nRCPT TO:<r@trap.example>\r\nDATA\r\n");

        var step = connection.Process(input);
        Assert.Equal((ConnectionWait.Memory, input.Length), (step.Wait, step.Consumed));
        Assert.DoesNotContain("354", TakeOutput(connection), StringComparison.Ordinal);
        Assert.True(connection.ReadingMessage);

        connection.GiveUpOnMemory();
        Assert.Equal(ConnectionWait.Input, connection.Process([]).Wait);
        Assert.StartsWith("354", TakeOutput(connection));
        var body = Ascii("Subject: x\r\n\r\nbody\r\n.\r\n");
        Assert.Equal((ConnectionWait.Input, body.Length), (connection.Process(body).Wait, body.Length));
        Assert.StartsWith("452 4.3.1 <r@trap.example>", TakeOutput(connection));
        Assert.Equal(full, budget.Used);
    }

    [Fact]
    public void A_whole_message_waits_for_the_sink_with_its_bytes_hash_and_envelope_and_drain_closes_after_its_verdict()
    {
        var budget = new InFlightBudget(1 << 20);
        var connection = new LmtpConnection(Settings, budget, "192.0.2.1:1");
        var input = Ascii("LHLO c\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<r@trap.example>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nNOOP\r\n");

        var step = connection.Process(input);
        Assert.Equal(ConnectionWait.Sink, step.Wait);
        Assert.Equal(input.Length - "NOOP\r\n".Length, step.Consumed);
        var message = connection.Message;
        Assert.Equal(Ascii("Subject: x\r\n\r\n.dot\r\n"), message.Body.ToArray());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(message.Body.ToArray())), message.Sha256);
        Assert.Equal(("s@example.net", "192.0.2.1:1"), (message.Envelope.Sender, message.Envelope.Peer));
        TakeOutput(connection);

        connection.Drain();
        message.Body.Release();
        connection.Delivered(Replies.Delivered(message.Sha256));
        Assert.Equal(ConnectionWait.Close, connection.Process(input.AsSpan(step.Consumed)).Wait);
        var output = TakeOutput(connection);
        Assert.StartsWith("250 2.0.0 <r@trap.example>", output);
        Assert.EndsWith("421 4.3.2 Service shutting down, try again later\r\n", output);
        Assert.Equal(0, budget.Used);
    }
}
