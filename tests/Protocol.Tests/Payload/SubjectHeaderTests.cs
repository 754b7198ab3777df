using System.Text;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Protocol.Tests.Payload;

public sealed class SubjectHeaderTests
{
    private static string? Subject(string message) => SubjectHeader.Read(MessageBody.FromBytes(Encoding.UTF8.GetBytes(message)));

    [Theory]
    [InlineData("From: a@b\r\nSubject: hello\r\n\r\nbody", "hello")]
    [InlineData("subject:   folded\r\n  over two lines\r\nX: y\r\n\r\n", "folded over two lines")]
    [InlineData("From: a@b\r\n\r\nSubject: in the body\r\n", null)]
    [InlineData("Subject: =?UTF-8?B?aMOpbGxv?=\r\n\r\n", "=?UTF-8?B?aMOpbGxv?=")]
    [InlineData("Subject-Line: no\r\n\r\n", null)]
    [InlineData("", null)]
    public void Reads_the_subject_of_the_header_block_unfolded_and_undecoded(string message, string? expected) =>
        Assert.Equal(expected, Subject(message));

    [Fact]
    public void A_subject_beyond_the_first_bytes_or_longer_than_the_limit_is_cut_not_read_whole()
    {
        Assert.Null(Subject("X: " + new string('x', SubjectHeader.MaxHeaderBytes) + "\r\nSubject: late\r\n\r\n"));
        Assert.Equal(200, Subject("Subject: " + new string('s', 100_000) + "\r\n\r\n")!.Length);
    }

    [Fact]
    public void A_header_block_spread_over_several_blocks_is_read_across_them()
    {
        var bytes = Encoding.ASCII.GetBytes("From: a@b\r\nSubject: split\r\n  here\r\n\r\nbody");
        var body = new MessageBody([bytes.AsMemory(0, 15), bytes.AsMemory(15, 9), bytes.AsMemory(24)]);
        Assert.Equal("split here", SubjectHeader.Read(body));
    }
}
