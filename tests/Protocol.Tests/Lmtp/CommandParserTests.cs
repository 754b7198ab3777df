using System.Text;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class CommandParserTests
{
    private static ParsedLine Parse(string line) => CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("LHLO client.example", LmtpVerb.Lhlo, "client.example")]
    [InlineData("lhlo client.example", LmtpVerb.Lhlo, "client.example")]
    [InlineData("mAiL FROM:<a@example.com>", LmtpVerb.Mail, "FROM:<a@example.com>")]
    [InlineData("rcpt TO:<b@example.com>", LmtpVerb.Rcpt, "TO:<b@example.com>")]
    [InlineData("data", LmtpVerb.Data, "")]
    [InlineData("Bdat 10 LAST", LmtpVerb.Bdat, "10 LAST")]
    [InlineData("rset", LmtpVerb.Rset, "")]
    [InlineData("noop", LmtpVerb.Noop, "")]
    [InlineData("Quit", LmtpVerb.Quit, "")]
    [InlineData("vrfy someone", LmtpVerb.Vrfy, "someone")]
    [InlineData("xForward ADDR=192.0.2.1", LmtpVerb.Xforward, "ADDR=192.0.2.1")]
    [InlineData("helo x", LmtpVerb.Helo, "x")]
    [InlineData("ehlo x", LmtpVerb.Ehlo, "x")]
    public void Recognises_verbs_in_any_case(string line, LmtpVerb verb, string argument)
    {
        var parsed = Parse(line);

        Assert.Null(parsed.Rejection);
        Assert.Equal(verb, parsed.Command.Verb);
        Assert.Equal(argument, parsed.Command.Argument);
    }

    [Fact]
    public void Trims_spaces_around_the_argument()
    {
        Assert.Equal("FROM:<>", Parse("MAIL   FROM:<>  ").Command.Argument);
    }

    [Theory]
    [InlineData("")]
    [InlineData("FOO bar")]
    [InlineData("LHLOX client")]
    [InlineData(" LHLO client")]
    [InlineData("MAIL\tFROM:<>")]
    [InlineData("STARTTLS")]
    public void Refuses_an_unknown_verb(string line)
    {
        Assert.Equal(Rejection.UnknownCommand, Parse(line).Rejection);
    }

    [Theory]
    [InlineData("LHLO a\0b")]
    [InlineData("\0")]
    [InlineData("MAIL FROM:<a\0@example.com>")]
    [InlineData("FOO\0")]
    public void Refuses_a_nul_byte(string line)
    {
        Assert.Equal(Rejection.NulInCommand, Parse(line).Rejection);
    }

    [Theory]
    [InlineData("LHLO clïent.example")]
    [InlineData("VRFY ü")]
    [InlineData("XFORWARD NAME=bücher.example")]
    [InlineData("BDAT 10 LÄST")]
    public void Refuses_eight_bit_bytes_outside_mail_and_rcpt(string line)
    {
        Assert.Equal(Rejection.EightBitInCommand, Parse(line).Rejection);
    }

    [Theory]
    [InlineData("MAIL FROM:<jörg@bücher.example> SMTPUTF8")]
    [InlineData("RCPT TO:<用户@例子.广告>")]
    [InlineData("RCPT TO:<😀@example.com>")]
    public void Accepts_valid_utf8_in_mail_and_rcpt(string line)
    {
        var parsed = Parse(line);

        Assert.Null(parsed.Rejection);
        Assert.Equal(line[5..], parsed.Command.Argument);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    public void Refuses_invalid_utf8_in_mail_and_rcpt(byte[] invalid)
    {
        foreach (var prefix in new[] { "MAIL FROM:<", "RCPT TO:<" })
        {
            byte[] line = [.. Encoding.ASCII.GetBytes(prefix + "a"), .. invalid, .. "@example.com>"u8];
            Assert.Equal(Rejection.EightBitInCommand, CommandParser.Parse(line).Rejection);
        }
    }

    // Every line the parser takes for DATA or BDAT must cut a pipelined group: the bytes after it may be message bytes.
    [Theory]
    [InlineData("DATA", true)]
    [InlineData("data", true)]
    [InlineData("DATA ", true)]
    [InlineData("Data extra", true)]
    [InlineData("BDAT 100 LAST", true)]
    [InlineData("bdat 0", true)]
    [InlineData("DATAX", true)] // refused by the parser, but erring on the side of a cut costs only a round trip
    [InlineData("DAT", false)]
    [InlineData("RSET", false)]
    [InlineData("MAIL FROM:<data@example.com>", false)]
    [InlineData("", false)]
    public void Tells_which_lines_may_be_followed_by_message_bytes(string line, bool mayStartBody)
    {
        Assert.Equal(mayStartBody, CommandParser.MayStartBody(Encoding.ASCII.GetBytes(line)));
        var parsed = CommandParser.Parse(Encoding.ASCII.GetBytes(line));
        if (parsed.Rejection is null && parsed.Command.Verb is LmtpVerb.Data or LmtpVerb.Bdat)
            Assert.True(mayStartBody);
    }
}
