using System.Text;
using SmtpCollector.Protocol.Lmtp;
using Xunit;

namespace SmtpCollector.Protocol.Tests.Lmtp;

/// <summary>
/// Found by bench/fuzz.sh (FUZZ_SEED=0xD1D54A195AD234E5, iteration 808169): a bare CR inside a source route was accepted,
/// and the path, echoed in the reply after DATA, split that reply's line. No control character is allowed in a path.
/// </summary>
public sealed class PathControlCharacterTests
{
    [Theory]
    [InlineData("RCPT TO:<@\t@x,x\rx:a@trap.example>")]
    [InlineData("RCPT TO:<a\r@trap.example>")]
    [InlineData("RCPT TO:<\"a\u0001b\"@trap.example>")]
    [InlineData("RCPT TO:<a@trap.example\u007f>")]
    public void A_recipient_with_a_control_character_is_refused_and_never_echoed(string line)
    {
        var session = new LmtpSession(new LmtpSessionSettings("trap.local", new LmtpLimits(), TrapDomains.Any));
        session.HandleLine("LHLO postfix.local"u8);
        session.HandleLine("MAIL FROM:<s@spam.example>"u8);

        var reply = Assert.Single(session.HandleLine(Encoding.UTF8.GetBytes(line)).Replies);

        Assert.Equal(501, reply.Code);
        Assert.DoesNotContain(reply.ToString().TrimEnd('\n').TrimEnd('\r'), c => char.IsControl(c));
    }

    [Fact]
    public void A_sender_with_a_control_character_is_refused()
    {
        var session = new LmtpSession(new LmtpSessionSettings("trap.local", new LmtpLimits(), TrapDomains.Any));
        session.HandleLine("LHLO postfix.local"u8);
        Assert.Equal(501, Assert.Single(session.HandleLine("MAIL FROM:<s\r@spam.example>"u8).Replies).Code);
    }
}
