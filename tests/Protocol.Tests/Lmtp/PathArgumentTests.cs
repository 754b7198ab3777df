using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class PathArgumentTests
{
    [Theory]
    [InlineData("FROM:<>")]
    [InlineData("from:<>")]
    [InlineData("FROM: <>")]
    public void Reads_the_null_sender(string argument)
    {
        var path = PathArgument.Parse(argument, "FROM:");

        Assert.NotNull(path);
        Assert.Equal("", path.Value.Path);
        Assert.Empty(path.Value.Parameters);
    }

    [Fact]
    public void Splits_the_parameters_after_the_path()
    {
        var path = PathArgument.Parse("FROM:<a@example.com> SIZE=10  BODY=8BITMIME SMTPUTF8", "FROM:");

        Assert.NotNull(path);
        Assert.Equal("a@example.com", path.Value.Path);
        Assert.Equal(["SIZE=10", "BODY=8BITMIME", "SMTPUTF8"], path.Value.Parameters);
    }

    [Theory]
    [InlineData("TO:<\"a>b\"@example.com>", "\"a>b\"@example.com")]
    [InlineData("TO:<\"a\\\">b\"@example.com>", "\"a\\\">b\"@example.com")]
    [InlineData("to:<@relay.example:b@example.com>", "@relay.example:b@example.com")]
    public void Finds_the_closing_bracket_outside_quotes(string argument, string expected)
    {
        var path = PathArgument.Parse(argument, "TO:");

        Assert.NotNull(path);
        Assert.Equal(expected, path.Value.Path);
        Assert.Empty(path.Value.Parameters);
    }

    [Theory]
    [InlineData("")]
    [InlineData("TO:")]
    [InlineData("TO:b@example.com")]
    [InlineData("TO:<b@example.com")]
    [InlineData("TO:<\"b>@example.com")]
    [InlineData("TO:<b@example.com>NOTIFY=NEVER")]
    [InlineData("FROM:<b@example.com>")]
    [InlineData("TO <b@example.com>")]
    public void Refuses_an_argument_of_another_shape(string argument)
    {
        Assert.Null(PathArgument.Parse(argument, "TO:"));
    }
}
