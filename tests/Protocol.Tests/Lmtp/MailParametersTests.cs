using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class MailParametersTests
{
    private const long Limit = 1000;

    private static (MailParameters? Parameters, Rejection? Rejection) Parse(params string[] items) =>
        MailParameters.Parse(items, Limit);

    [Fact]
    public void No_parameters_mean_no_size_seven_bit_and_no_smtputf8()
    {
        var (parameters, rejection) = Parse();

        Assert.Null(rejection);
        Assert.Equal(MailParameters.None, parameters);
    }

    [Theory]
    [InlineData("SIZE=0", 0)]
    [InlineData("SIZE=999", 999)]
    [InlineData("size=1000", 1000)]
    public void Accepts_a_size_up_to_the_limit(string item, long size)
    {
        var (parameters, rejection) = Parse(item);

        Assert.Null(rejection);
        Assert.Equal(size, parameters!.Size);
    }

    [Theory]
    [InlineData("SIZE=1001")]
    [InlineData("SIZE=99999999999999999999")]
    public void Refuses_a_size_over_the_limit(string item)
    {
        var (parameters, rejection) = Parse(item);

        Assert.Null(parameters);
        Assert.Equal(Rejection.MessageSizeExceeded, rejection);
    }

    [Theory]
    [InlineData("SIZE")]
    [InlineData("SIZE=")]
    [InlineData("SIZE=12a")]
    [InlineData("SIZE=-1")]
    [InlineData("SIZE=123456789012345678901")]
    [InlineData("BODY")]
    [InlineData("SMTPUTF8=yes")]
    public void Refuses_a_malformed_value(string item)
    {
        var (parameters, rejection) = Parse(item);

        Assert.Null(parameters);
        Assert.Equal(Rejection.SyntaxError, rejection);
    }

    [Theory]
    [InlineData("BODY=7BIT", BodyType.SevenBit)]
    [InlineData("BODY=8BITMIME", BodyType.EightBitMime)]
    [InlineData("body=8bitmime", BodyType.EightBitMime)]
    public void Reads_the_body_type(string item, BodyType body)
    {
        var (parameters, rejection) = Parse(item);

        Assert.Null(rejection);
        Assert.Equal(body, parameters!.Body);
    }

    [Fact]
    public void Refuses_an_unannounced_body_type()
    {
        Assert.Equal(Rejection.UnsupportedParameter, Parse("BODY=BINARYMIME").Rejection);
    }

    [Theory]
    [InlineData("SMTPUTF8")]
    [InlineData("smtputf8")]
    public void Reads_smtputf8(string item)
    {
        var (parameters, rejection) = Parse(item);

        Assert.Null(rejection);
        Assert.True(parameters!.SmtpUtf8);
    }

    [Fact]
    public void Reads_all_three_together()
    {
        var (parameters, rejection) = Parse("SMTPUTF8", "SIZE=500", "BODY=8BITMIME");

        Assert.Null(rejection);
        Assert.Equal(new MailParameters(500, BodyType.EightBitMime, true), parameters);
    }

    [Theory]
    [InlineData("SIZE=1", "SIZE=2")]
    [InlineData("BODY=7BIT", "BODY=7BIT")]
    [InlineData("SMTPUTF8", "smtputf8")]
    public void Refuses_a_duplicate_parameter(string first, string second)
    {
        var (parameters, rejection) = Parse(first, second);

        Assert.Null(parameters);
        Assert.Equal(Rejection.SyntaxError, rejection);
    }

    [Theory]
    [InlineData("RET=HDRS")]
    [InlineData("ENVID=abc")]
    [InlineData("AUTH=<>")]
    [InlineData("SIZES=1")]
    public void Refuses_an_unknown_parameter(string item)
    {
        var (parameters, rejection) = Parse("SIZE=1", item);

        Assert.Null(parameters);
        Assert.Equal(Rejection.UnsupportedParameter, rejection);
    }
}
