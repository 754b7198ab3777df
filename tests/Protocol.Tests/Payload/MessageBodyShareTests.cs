using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Protocol.Tests.Payload;

public sealed class MessageBodyShareTests
{
    [Fact]
    public void Every_share_reads_the_same_bytes_and_the_blocks_go_back_once_when_the_last_share_is_released()
    {
        var released = 0;
        var body = new MessageBody([new byte[] { 1, 2 }, new byte[] { 3 }], () => released++);

        var shares = body.Share(3);

        Assert.All(shares, share => Assert.Equal(new byte[] { 1, 2, 3 }, share.ToArray()));
        shares[0].Release();
        shares[2].Release();
        Assert.Equal(0, released);
        Assert.Equal(new byte[] { 1, 2, 3 }, shares[1].ToArray());
        shares[1].Release();
        Assert.Equal(1, released);
        Assert.Throws<ObjectDisposedException>(() => body.ToArray());
    }

    [Fact]
    public void A_share_released_twice_is_a_bug()
    {
        var shares = MessageBody.FromBytes([1]).Share(2);
        shares[0].Release();
        Assert.Throws<InvalidOperationException>(shares[0].Release);
    }
}
