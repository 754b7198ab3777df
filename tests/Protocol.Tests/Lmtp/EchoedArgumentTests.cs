using System.Text;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

/// <summary>
/// The LHLO name and every accepted recipient are echoed in replies, so none may hold a control character: a CR would
/// break a reply line in two (found by the fuzz tests, <c>Fuzz/LmtpFuzzTests</c>).
/// </summary>
public class EchoedArgumentTests
{
    private static LmtpSession NewSession() => new(new LmtpSessionSettings("trap.local", new LmtpLimits(), TrapDomains.Any));

    private static Reply Send(LmtpSession session, string line) => Assert.Single(session.HandleLine(Encoding.UTF8.GetBytes(line)).Replies);

    [Theory]
    [InlineData("LHLO a\rb")]
    [InlineData("LHLO name\r")]
    [InlineData("LHLO a\tb")]
    [InlineData("LHLO a\u007fb")]
    public void Refuses_an_lhlo_name_with_a_control_character(string line)
    {
        var session = NewSession();

        var reply = Send(session, line);

        Assert.Equal((501, "5.5.4"), (reply.Code, reply.Enhanced));
        Assert.Equal(LmtpState.Greeted, session.State);
        Assert.Null(session.ClientName);
    }

    [Theory]
    [InlineData("\"a\\\rb\"@trap.example")]
    [InlineData("\"a\\\tb\"@trap.example")]
    [InlineData("\"a\\\u007fb\"@trap.example")]
    [InlineData("user@[192.0.2.1\r]")]
    [InlineData("user@[\t]")]
    [InlineData("user@[IPv6:::1\u007f]")]
    public void Refuses_a_recipient_with_a_control_character_in_a_quoted_pair_or_address_literal(string address)
    {
        Assert.Null(Mailbox.TryParse(address));

        var session = NewSession();
        Assert.Equal(250, Send(session, "LHLO client.example").Code);
        Assert.Equal(250, Send(session, "MAIL FROM:<>").Code);
        var reply = Send(session, $"RCPT TO:<{address}>");

        Assert.Equal((501, "5.1.3"), (reply.Code, reply.Enhanced));
        Assert.Empty(session.Recipients);
    }

    [Theory]
    [InlineData("\"a\\\"b\"@trap.example")]
    [InlineData("\"a\\ b\"@trap.example")]
    [InlineData("user@[192.0.2.1]")]
    [InlineData("user@[IPv6:2001:db8::1]")]
    public void Still_accepts_quoted_pairs_and_address_literals_of_printable_characters(string address)
    {
        Assert.NotNull(Mailbox.TryParse(address));
    }
}
