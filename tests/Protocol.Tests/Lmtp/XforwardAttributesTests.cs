using System.Collections.Immutable;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class XforwardAttributesTests
{
    private static readonly ImmutableDictionary<string, string> None = ImmutableDictionary<string, string>.Empty;

    [Fact]
    public void Reads_all_seven_attributes()
    {
        var merged = XforwardAttributes.Merge(None,
            "NAME=spam.example ADDR=192.0.2.7 PORT=4711 PROTO=ESMTP HELO=helo.example IDENT=4Xyz12 SOURCE=REMOTE");

        Assert.NotNull(merged);
        Assert.Equal(XforwardAttributes.Names.Order(), merged.Keys.Order());
        Assert.Equal("spam.example", merged["NAME"]);
        Assert.Equal("192.0.2.7", merged["ADDR"]);
        Assert.Equal("4711", merged["PORT"]);
        Assert.Equal("ESMTP", merged["PROTO"]);
        Assert.Equal("helo.example", merged["HELO"]);
        Assert.Equal("4Xyz12", merged["IDENT"]);
        Assert.Equal("REMOTE", merged["SOURCE"]);
    }

    [Fact]
    public void Reads_attribute_names_in_any_case()
    {
        var merged = XforwardAttributes.Merge(None, "addr=192.0.2.7 Helo=x");

        Assert.NotNull(merged);
        Assert.Equal("192.0.2.7", merged["ADDR"]);
        Assert.Equal("x", merged["HELO"]);
    }

    [Theory]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3Db+3D", "a=b=")]
    [InlineData("+2B", "+")]
    [InlineData("two+20words", "two words")]
    [InlineData("caf+C3+A9", "café")]
    [InlineData("plain", "plain")]
    public void Decodes_xtext(string value, string expected)
    {
        var merged = XforwardAttributes.Merge(None, "HELO=" + value);

        Assert.Equal(expected, merged!["HELO"]);
    }

    [Theory]
    [InlineData("HELO=a+2")]
    [InlineData("HELO=a+")]
    [InlineData("HELO=+ZZ")]
    public void Refuses_broken_xtext(string argument)
    {
        Assert.Null(XforwardAttributes.Merge(None, argument));
    }

    [Theory]
    [InlineData("[UNAVAILABLE]")]
    [InlineData("[TEMPUNAVAIL]")]
    public void Drops_an_unavailable_value(string value)
    {
        var known = None.Add("NAME", "old.example").Add("ADDR", "192.0.2.1");

        var merged = XforwardAttributes.Merge(known, $"NAME={value} PORT={value} PROTO=SMTP");

        Assert.NotNull(merged);
        Assert.False(merged.ContainsKey("NAME"));
        Assert.False(merged.ContainsKey("PORT"));
        Assert.Equal("192.0.2.1", merged["ADDR"]);
        Assert.Equal("SMTP", merged["PROTO"]);
    }

    [Fact]
    public void Merges_with_what_earlier_lines_said()
    {
        var first = XforwardAttributes.Merge(None, "NAME=a.example ADDR=192.0.2.1")!;

        var second = XforwardAttributes.Merge(first, "ADDR=192.0.2.2 HELO=h");

        Assert.NotNull(second);
        Assert.Equal("a.example", second["NAME"]);
        Assert.Equal("192.0.2.2", second["ADDR"]);
        Assert.Equal("h", second["HELO"]);
    }

    [Theory]
    [InlineData("FOO=bar")]
    [InlineData("ADDR=192.0.2.1 FOO=bar")]
    [InlineData("ADDR")]
    [InlineData("=x")]
    [InlineData("")]
    [InlineData("   ")]
    public void Refuses_an_unknown_attribute_or_a_malformed_line(string argument)
    {
        Assert.Null(XforwardAttributes.Merge(None.Add("NAME", "kept"), argument));
    }
}
