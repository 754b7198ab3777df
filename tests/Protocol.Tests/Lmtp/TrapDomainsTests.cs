using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class TrapDomainsTests
{
    private static Mailbox At(string domain) => Mailbox.TryParse("someone@" + domain)!;

    [Theory]
    [InlineData("trap.example")]
    [InlineData("TRAP.Example")]
    [InlineData("mx.trap.example")]
    [InlineData("a.b.trap.example")]
    [InlineData("Sub.TRAP.example")]
    public void Matches_the_domain_and_its_subdomains_in_any_case(string domain)
    {
        var trap = new TrapDomains(["trap.example"]);

        Assert.True(trap.Matches(At(domain)));
    }

    [Theory]
    [InlineData("trap.example.evil.example")]
    [InlineData("eviltrap.example")]
    [InlineData("example")]
    [InlineData("rap.example")]
    [InlineData("other.example")]
    [InlineData("[192.0.2.1]")]
    public void Does_not_match_lookalike_domains(string domain)
    {
        var trap = new TrapDomains(["trap.example"]);

        Assert.False(trap.Matches(At(domain)));
    }

    [Fact]
    public void Matches_when_the_list_is_configured_in_another_case()
    {
        var trap = new TrapDomains([" Trap.EXAMPLE "]);

        Assert.True(trap.Matches(At("trap.example")));
        Assert.Equal(["trap.example"], trap.Domains);
    }

    [Theory]
    [InlineData("bücher.example", "bücher.example")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("xn--bcher-kva.example", "bücher.example")]
    [InlineData("xn--bcher-kva.example", "mx.BÜCHER.example")]
    public void Treats_u_labels_and_a_labels_alike(string configured, string recipientDomain)
    {
        var trap = new TrapDomains([configured]);

        Assert.True(trap.Matches(At(recipientDomain)));
    }

    [Fact]
    public void Matches_any_of_several_domains()
    {
        var trap = new TrapDomains(["one.example", "two.example"]);

        Assert.True(trap.Matches(At("two.example")));
        Assert.False(trap.Matches(At("three.example")));
    }

    [Fact]
    public void An_empty_list_accepts_every_domain()
    {
        foreach (var trap in new[] { new TrapDomains([]), new TrapDomains(null), new TrapDomains(["", "  "]), TrapDomains.Any })
        {
            Assert.True(trap.AcceptsAll);
            Assert.True(trap.Matches(At("anything.example")));
            Assert.True(trap.Matches(At("[192.0.2.1]")));
        }
    }

    [Fact]
    public void Matches_postmaster_without_a_domain()
    {
        var trap = new TrapDomains(["trap.example"]);

        Assert.True(trap.Matches(Mailbox.TryParse("postmaster")!));
    }

    [Fact]
    public void Refuses_a_configured_name_that_is_not_a_domain()
    {
        Assert.Throws<ArgumentException>(() => new TrapDomains(["not a domain"]));
    }

    [Fact]
    public void Reads_a_domains_file_as_postfix_front_does()
    {
        const string file = "# trap domains\r\ntrap.example\n\n  .Sub.Other.Example.  # a comment\n@third.example extra words\n#all.example\n";

        Assert.Equal(["trap.example", "Sub.Other.Example", "third.example"], TrapDomains.ParseList(file));
    }
}
