using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public sealed class NotStoredRepliesTests
{
    [Theory]
    [InlineData(NotStoredReason.Unavailable, 451, "4.4.3")]
    [InlineData(NotStoredReason.Timeout, 451, "4.3.0")]
    [InlineData(NotStoredReason.Failed, 451, "4.3.0")]
    [InlineData(NotStoredReason.TooLarge, 552, "5.3.4")]
    public void Each_reason_a_sink_gives_is_one_reply_and_only_a_refusal_that_cannot_change_is_permanent(NotStoredReason reason, int code, string enhanced)
    {
        var reply = Replies.For(reason);
        Assert.Equal((code, enhanced), (reply.Code, reply.Enhanced));
    }

    [Fact]
    public void Every_reason_has_a_reply() =>
        Assert.All(Enum.GetValues<NotStoredReason>(), reason => Assert.NotNull(Replies.For(reason).Enhanced));
}
