using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.TestBroker.Tests.Support;
using static SmtpCollector.TestBroker.Tests.Support.Brokers;

namespace SmtpCollector.TestBroker.Tests;

/// <summary>INFO, AUTH and the ERRORs of contract.md §2, each followed by a close.</summary>
public class SessionTests
{
    [Fact]
    public async Task Greets_with_INFO_holding_its_name_and_a_4_byte_nonce()
    {
        await using var broker = await StartAsync();

        var (client, info) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var _ = client;

        Assert.Equal("hpfeeds", info.BrokerName);
        Assert.Equal(InfoFrame.NonceLength, info.Nonce.Length);
    }

    [Fact]
    public async Task A_successful_AUTH_is_answered_with_silence()
    {
        await using var broker = await StartAsync();
        await using var client = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);
        await client.SendAsync(new SubscribeFrame(Writer, Channel));
        await broker.WaitForSubscribersAsync(Channel, 1, Limits.Wait);

        await client.SendAsync(new PublishFrame(Writer, Channel, Frames.Text("marker")));

        // Anything the broker said about the AUTH would have come before the echo of this PUBLISH.
        Assert.Equal(new PublishFrame(Writer, Channel, Frames.Text("marker")), await client.ReadFrameAsync());
        Assert.Equal(1, broker.SuccessfulAuths);
    }

    [Fact]
    public async Task A_first_frame_other_than_AUTH_gets_an_ERROR_and_a_close()
    {
        await using var broker = await StartAsync();
        var (client, _) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var __ = client;

        await client.SendAsync(new SubscribeFrame(Writer, Channel));

        await client.ExpectErrorThenCloseAsync("First message was not AUTH");
        Assert.Equal(0, broker.SubscriberCount(Channel));
    }

    [Fact]
    public async Task An_unknown_ident_fails_authentication()
    {
        await using var broker = await StartAsync();
        var (client, info) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var _ = client;

        await client.SendAsync(AuthFrame.For(info, "nobody", WriterSecret));

        await client.ExpectErrorThenCloseAsync("Authentication failed for nobody");
    }

    [Fact]
    public async Task A_wrong_secret_fails_authentication()
    {
        await using var broker = await StartAsync();
        var (client, info) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var _ = client;

        await client.SendAsync(AuthFrame.For(info, Writer, "not the secret"));

        await client.ExpectErrorThenCloseAsync("Authentication failed for writer");
        Assert.Equal(0, broker.SuccessfulAuths);
    }

    [Fact]
    public async Task A_hash_over_another_nonce_fails_authentication()
    {
        await using var broker = await StartAsync();
        var (client, _) = await RawClient.ConnectAndReadInfoAsync(broker.Port);
        await using var __ = client;

        await client.SendAsync(new AuthFrame(Writer, AuthHash.Compute("rand"u8, WriterSecret)));

        await client.ExpectErrorThenCloseAsync("Authentication failed for writer");
    }

    [Fact]
    public async Task A_PUBLISH_under_another_ident_gets_an_ERROR_and_a_close()
    {
        await using var broker = await StartAsync();
        await using var client = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        await client.SendAsync(new PublishFrame(Reader, Channel, Frames.Text("x")));

        await client.ExpectErrorThenCloseAsync("Invalid authkey in message, ident=reader");
        Assert.Equal(0, broker.PublishesReceived(Channel));
    }

    [Fact]
    public async Task A_PUBLISH_to_a_channel_not_allowed_gets_an_ERROR_and_a_close()
    {
        await using var broker = await StartAsync();
        await using var client = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        await client.SendAsync(new PublishFrame(Writer, "forbidden", Frames.Text("x")));

        await client.ExpectErrorThenCloseAsync("Authkey not allowed to pub here. ident=writer, chan=forbidden");
        Assert.Equal(0, broker.PublishesReceived("forbidden"));
    }

    [Fact]
    public async Task A_SUBSCRIBE_to_a_channel_not_allowed_names_the_authenticated_ident_and_closes()
    {
        await using var broker = await StartAsync();
        await using var client = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);

        // The ident inside a SUBSCRIBE is not checked; the reference names the authenticated one.
        await client.SendAsync(new SubscribeFrame(Reader, Other));

        await client.ExpectErrorThenCloseAsync("Authkey not allowed to sub here. ident=writer, chan=other.chan");
        Assert.Equal(0, broker.SubscriberCount(Other));
    }

    [Fact]
    public async Task Frames_queued_before_an_ERROR_are_delivered_before_it()
    {
        await using var broker = await StartAsync();
        await using var client = await RawClient.AuthenticatedAsync(broker.Port, Writer, WriterSecret);
        await client.SendAsync(new SubscribeFrame(Writer, Channel));

        await client.SendAsync([.. FrameEncoder.Encode(new PublishFrame(Writer, Channel, Frames.Text("first"))),
            .. FrameEncoder.Encode(new PublishFrame(Writer, "forbidden", Frames.Text("second")))]);

        Assert.Equal(new PublishFrame(Writer, Channel, Frames.Text("first")), await client.ReadFrameAsync());
        await client.ExpectErrorThenCloseAsync("Authkey not allowed to pub here. ident=writer, chan=forbidden");
    }
}
