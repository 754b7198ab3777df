namespace SmtpCollector.TestBroker.Tests;

public class BrokerCommandLineTests
{
    [Fact]
    public void Reads_the_port_the_name_and_each_account()
    {
        var options = BrokerCommandLine.Parse(
            ["--port", "20000", "--name", "bench", "--user", "writer:se:cret:spam.mails,other:", "--user", "reader:pw::spam.mails"]);

        Assert.Equal(20000, options.Port);
        Assert.Equal("bench", options.Name);
        Assert.Collection(options.Accounts,
            writer =>
            {
                Assert.Equal(("writer", "se:cret"), (writer.Ident, writer.Secret));
                Assert.Equal(["spam.mails", "other"], writer.PublishChannels);
                Assert.Empty(writer.SubscribeChannels);
            },
            reader =>
            {
                Assert.Equal(("reader", "pw"), (reader.Ident, reader.Secret));
                Assert.Empty(reader.PublishChannels);
                Assert.Equal(["spam.mails"], reader.SubscribeChannels);
            });
    }

    [Theory]
    [InlineData("--user", "writer:secret")]
    [InlineData("--port")]
    [InlineData("--colour", "blue")]
    public void Refuses_what_it_does_not_understand(params string[] args) =>
        Assert.Throws<FormatException>(() => BrokerCommandLine.Parse(args));
}
