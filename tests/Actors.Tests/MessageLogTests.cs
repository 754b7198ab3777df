using SmtpCollector.Actors.Sources.Lmtp;
using Xunit;

namespace SmtpCollector.Actors.Tests;

public sealed class MessageLogTests
{
    [Theory]
    [InlineData(null, "-")]
    [InlineData("", "-")]
    [InlineData("cheap pills", "cheap pills")]
    [InlineData("red\u001b[31m alert", "red\\u001b[31m alert")]
    [InlineData("two\rlines\nforged", "two\\u000dlines\\u000aforged")]
    public void The_subject_on_the_log_line_cannot_carry_control_characters(string? subject, string expected) =>
        Assert.Equal(expected, MessageLog.Printable(subject));
}
