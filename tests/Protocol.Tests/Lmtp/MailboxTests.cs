using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class MailboxTests
{
    [Theory]
    [InlineData("user@example.com", "user", "example.com")]
    [InlineData("first.last+tag@mail.example.com", "first.last+tag", "mail.example.com")]
    [InlineData("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~", "example.com")]
    public void Parses_a_dot_atom_local_part(string text, string local, string domain)
    {
        var mailbox = Mailbox.TryParse(text);

        Assert.NotNull(mailbox);
        Assert.Equal(local, mailbox.LocalPart);
        Assert.Equal(domain, mailbox.Domain);
        Assert.Equal(domain, mailbox.AsciiDomain);
        Assert.False(mailbox.IsUtf8);
        Assert.Equal(text, mailbox.ToString());
    }

    [Fact]
    public void Keeps_the_domain_as_sent_and_lowercases_its_ascii_form()
    {
        var mailbox = Mailbox.TryParse("User@Example.COM")!;

        Assert.Equal("User", mailbox.LocalPart);
        Assert.Equal("Example.COM", mailbox.Domain);
        Assert.Equal("example.com", mailbox.AsciiDomain);
    }

    [Theory]
    [InlineData("\"john doe\"@example.com", "\"john doe\"")]
    [InlineData("\"a@b\"@example.com", "\"a@b\"")]
    [InlineData("\"a\\\"b@c\"@example.com", "\"a\\\"b@c\"")]
    [InlineData("\"\"@example.com", "\"\"")]
    public void Parses_a_quoted_local_part(string text, string local)
    {
        var mailbox = Mailbox.TryParse(text);

        Assert.NotNull(mailbox);
        Assert.Equal(local, mailbox.LocalPart);
        Assert.Equal("example.com", mailbox.Domain);
    }

    [Theory]
    [InlineData("@relay.example:user@example.com")]
    [InlineData("@relay1.example,@relay2.example:user@example.com")]
    public void Drops_a_source_route(string text)
    {
        var mailbox = Mailbox.TryParse(text);

        Assert.NotNull(mailbox);
        Assert.Equal("user", mailbox.LocalPart);
        Assert.Equal("example.com", mailbox.Domain);
    }

    [Theory]
    [InlineData("postmaster")]
    [InlineData("PostMaster")]
    public void Accepts_postmaster_without_a_domain(string text)
    {
        var mailbox = Mailbox.TryParse(text);

        Assert.NotNull(mailbox);
        Assert.Equal(text, mailbox.LocalPart);
        Assert.Equal("", mailbox.Domain);
        Assert.Equal("", mailbox.AsciiDomain);
        Assert.Equal(text, mailbox.ToString());
    }

    [Fact]
    public void Converts_an_idn_domain_to_its_a_label()
    {
        var mailbox = Mailbox.TryParse("käse@bücher.example");

        Assert.NotNull(mailbox);
        Assert.Equal("käse", mailbox.LocalPart);
        Assert.Equal("bücher.example", mailbox.Domain);
        Assert.Equal("xn--bcher-kva.example", mailbox.AsciiDomain);
        Assert.True(mailbox.IsUtf8);
    }

    [Theory]
    [InlineData("bücher.example")]
    [InlineData("BÜCHER.EXAMPLE")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.example")]
    [InlineData("bücher.example.")]
    public void Gives_the_same_ascii_domain_for_u_labels_and_a_labels(string domain)
    {
        Assert.Equal("xn--bcher-kva.example", Mailbox.ToAsciiDomain(domain));
    }

    [Theory]
    [InlineData("user@[192.0.2.1]", "[192.0.2.1]")]
    [InlineData("user@[IPv6:2001:DB8::1]", "[ipv6:2001:db8::1]")]
    public void Accepts_an_address_literal(string text, string ascii)
    {
        var mailbox = Mailbox.TryParse(text);

        Assert.NotNull(mailbox);
        Assert.Equal("user", mailbox.LocalPart);
        Assert.Equal(ascii, mailbox.AsciiDomain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@")]
    [InlineData("user")]
    [InlineData("user@")]
    [InlineData("@example.com")]
    [InlineData("@relay.example,user@example.com")]
    [InlineData("a..b@example.com")]
    [InlineData(".a@example.com")]
    [InlineData("a.@example.com")]
    [InlineData("a b@example.com")]
    [InlineData("a(b)@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("\"unterminated@example.com")]
    [InlineData("\"quoted\"x@example.com")]
    [InlineData("\"quoted\"")]
    [InlineData("\"ctl\u0001\"@example.com")]
    [InlineData("user@exa mple.com")]
    [InlineData("user@example..com")]
    [InlineData("user@ex<ample.com")]
    [InlineData("user@[]")]
    [InlineData("user@[192.0.2.1")]
    [InlineData("user@[a]b]")]
    [InlineData("user@[a b]")]
    public void Refuses_garbage(string text)
    {
        Assert.Null(Mailbox.TryParse(text));
    }
}
