using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.TestBroker.Tests.Support;
using static SmtpCollector.TestBroker.Tests.Support.Brokers;

namespace SmtpCollector.TestBroker.Tests;

/// <summary>The reference broker's per-opcode limits: a frame over its limit, or an unknown opcode, is a close without an ERROR.</summary>
public class FrameLimitTests
{
    private const int MaxPublishPayload = 1_048_558; // contract.md §2, for ident writer and channel spam.mails

    private static byte[] PublishBody(int payloadBytes) =>
        [(byte)Writer.Length, .. Frames.Text(Writer), (byte)Channel.Length, .. Frames.Text(Channel), .. new byte[payloadBytes]];

    [Fact]
    public async Task An_AUTH_of_281_bytes_is_read()
    {
        await using var broker = await StartAsync();
        var (client, info) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var _ = client;
        var longIdent = new string('x', 255);
        var auth = FrameEncoder.Encode(AuthFrame.For(info, longIdent, WriterSecret));
        Assert.Equal(281, auth.Length);

        await client.SendAsync(auth);

        await client.ExpectErrorThenCloseAsync($"Authentication failed for {longIdent}");
    }

    [Fact]
    public async Task An_AUTH_of_282_bytes_is_closed_without_an_ERROR()
    {
        await using var broker = await StartAsync();
        var (client, _) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var __ = client;

        await client.SendAsync(Frames.Raw(282, (int)Opcode.Auth, [255, .. new byte[276]]));

        await client.ExpectCloseWithoutErrorAsync();
    }

    [Fact]
    public async Task A_PUBLISH_at_the_limit_is_forwarded()
    {
        await using var broker = await StartAsync();
        await using var reader = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);
        await using var writer = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);
        var frame = Frames.Raw(BrokerLimits.MaxFrameBytes, (int)Opcode.Publish, PublishBody(MaxPublishPayload));
        Assert.Equal(5 + 1_048_576, frame.Length);

        await writer.SendAsync(frame);

        var received = Assert.Single(await reader.WaitForAsync(1, Limits.Wait));
        Assert.Equal(MaxPublishPayload, received.Payload.Length);
    }

    [Fact]
    public async Task A_PUBLISH_one_byte_over_the_limit_is_closed_without_an_ERROR()
    {
        await using var broker = await StartAsync();
        await using var writer = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        await writer.SendAsync(Frames.Raw(BrokerLimits.MaxFrameBytes + 1, (int)Opcode.Publish, PublishBody(MaxPublishPayload + 1)));

        await writer.ExpectCloseWithoutErrorAsync();
        Assert.Equal(0, broker.PublishesReceived(Channel));
    }

    [Fact]
    public async Task Frames_ahead_of_an_oversize_one_in_the_same_write_are_still_handled()
    {
        await using var broker = await StartAsync();
        await using var reader = await ReaderAsync(broker);
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);
        await using var writer = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        await writer.SendAsync([.. FrameEncoder.Encode(new PublishFrame(Writer, Channel, Frames.Text("before"))),
            .. Frames.Raw(BrokerLimits.MaxFrameBytes + 1, (int)Opcode.Publish, [])]);

        await writer.ExpectCloseWithoutErrorAsync();
        Assert.Equal(["before"], Frames.Texts(await reader.WaitForAsync(1, Limits.Wait)));
    }

    [Fact]
    public async Task An_unknown_opcode_is_closed_without_an_ERROR()
    {
        await using var broker = await StartAsync();
        await using var writer = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        await writer.SendAsync(Frames.Raw(5, 6, []));

        await writer.ExpectCloseWithoutErrorAsync();
    }

    [Fact]
    public async Task An_INFO_from_a_client_is_closed_without_an_ERROR()
    {
        await using var broker = await StartAsync();
        await using var writer = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        await writer.SendAsync(new InfoFrame("client", new byte[4]));

        await writer.ExpectCloseWithoutErrorAsync();
    }
}
