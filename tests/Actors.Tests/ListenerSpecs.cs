using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Actors.Tests.Support;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;
using Xunit;

namespace SmtpCollector.Actors.Tests;

/// <summary>The listener and its sessions over real loopback TCP: deadlines, limits, failures and shutdown.</summary>
public sealed class ListenerSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly LmtpServerSettings Defaults = new() { HostName = "collector.test" };

    private static async Task SendMessageAsync(LmtpClient client, int recipients = 2, string body = "Subject: x\r\n\r\nhello\r\n")
    {
        await client.SendAsync("MAIL FROM:<s@example.net>\r\n");
        await client.ExpectAsync("250 2.1.0");
        for (var i = 0; i < recipients; i++)
        {
            await client.SendAsync($"RCPT TO:<r{i}@trap.example>\r\n");
            await client.ExpectAsync("250 2.1.5");
        }
        await client.SendAsync("DATA\r\n");
        await client.ExpectAsync("354");
        await client.SendAsync(body + ".\r\n");
    }

    [Fact]
    public async Task Transcripts_played_over_tcp_get_the_expected_replies()
    {
        foreach (var row in Transcript.All())
        {
            var transcript = Transcript.Load((string)row[0]);
            var listener = await Listener.StartAsync(Sys, transcript.Settings);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync((IPEndPoint)listener.EndPoint);
            var stream = tcp.GetStream();
            await stream.WriteAsync(transcript.ClientBytes);
            tcp.Client.Shutdown(SocketShutdown.Send);
            using var output = new MemoryStream();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await stream.CopyToAsync(output, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{transcript.Name}: the server did not close the connection; it sent:\n{System.Text.Encoding.UTF8.GetString(output.ToArray())}");
            }
            if (transcript.Compare(output.ToArray()) is { } difference)
                Assert.Fail($"{transcript.Name}: {difference}");
            await AwaitAssertAsync(() => Assert.Equal(transcript.ExpectedStored, listener.StoredCount));
        }
    }

    [Fact]
    public async Task Sink_that_does_not_answer_in_time_gets_451_for_every_recipient()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { SinkDeadline = TimeSpan.FromMilliseconds(300) }, SinkBehaviour.Ignore);
        await using var client = await listener.ConnectAsync();
        await SendMessageAsync(client, recipients: 2);
        Assert.StartsWith("451 4.3.0 <r0@trap.example>", await client.ExpectAsync("451"));
        Assert.StartsWith("451 4.3.0 <r1@trap.example>", await client.ExpectAsync("451"));
        await client.SendAsync("NOOP\r\n");
        await client.ExpectAsync("250 2.0.0");
    }

    [Fact]
    public async Task Late_answer_for_a_message_given_up_on_does_not_confirm_the_next_one_with_the_same_bytes()
    {
        // The sink is the test: it answers (or not) when told. Two messages with the same bytes have the same hash, so only
        // the message itself can tell the answers apart.
        var sink = CreateTestProbe();
        var log = new ListLogger();
        var listener = await Listener.StartAsync(Sys, Defaults with { SinkDeadline = TimeSpan.FromMilliseconds(300) }, sink.Ref, messageLog: log);
        await using var client = await listener.ConnectAsync();

        await SendMessageAsync(client, recipients: 1);
        var first = await sink.ExpectMsgAsync<StoreMessage>();
        var session = sink.LastSender;
        Assert.StartsWith("451 4.3.0 <r0@trap.example>", await client.ExpectAsync("451"));

        await SendMessageAsync(client, recipients: 1);
        var second = await sink.ExpectMsgAsync<StoreMessage>();
        Assert.Equal(first.Message.Sha256, second.Message.Sha256);
        Assert.NotSame(first.Message, second.Message);
        session.Tell(new MessageStored(first.Message));
        session.Tell(new MessageNotStored(second.Message, NotStoredReason.Unavailable, "refused by the test"));
        Assert.StartsWith("451 4.4.3 <r0@trap.example>", await client.ExpectAsync("451"));

        first.Message.Body.Release();
        second.Message.Body.Release();
        await listener.AssertBudgetReleasedAsync();
        Assert.Collection(log.Lines,
            line => Assert.Contains($"sha256={first.Message.Sha256} size=21 recipients=r0@trap.example peer=127.0.0.1:", line),
            line => Assert.EndsWith("outcome=refused by the test reply=451 4.4.3 subject=x", line));
        Assert.Contains("outcome=no answer from the sink within 00:00:00.3000000 reply=451 4.3.0", log.Lines[0]);
    }

    [Fact]
    public async Task Each_delivered_message_is_one_line_for_the_operator()
    {
        var log = new ListLogger();
        var stored = new List<ReceivedMessage>();
        var listener = await Listener.StartAsync(Sys, Defaults, Sys.ActorOf(RecordingSinkActor.Props(stored)), stored, log);
        await using var client = await listener.ConnectAsync();
        await client.SendAsync("XFORWARD ADDR=192.0.2.7 NAME=spam.example\r\n");
        await client.ExpectAsync("250 2.0.0");
        await SendMessageAsync(client, recipients: 2);
        await client.ExpectAsync("250 2.0.0 <r0@trap.example>");
        await client.ExpectAsync("250 2.0.0 <r1@trap.example>");

        var line = Assert.Single(log.Lines);
        Assert.Matches($"^Information: message sha256={stored[0].Sha256} size=21 recipients=r0@trap.example,r1@trap.example " +
            @"peer=127\.0\.0\.1:\d+ client=192\.0\.2\.7 outcome=stored reply=250 2\.0\.0 subject=\S.*$", line);
    }

    [Fact]
    public async Task Sink_refusal_reaches_every_recipient()
    {
        var listener = await Listener.StartAsync(Sys, Defaults, SinkBehaviour.Refuse);
        await using var client = await listener.ConnectAsync();
        await SendMessageAsync(client, recipients: 3);
        for (var i = 0; i < 3; i++)
            Assert.StartsWith($"451 4.4.3 <r{i}@trap.example>", await client.ExpectAsync("451"));
    }

    [Fact]
    public async Task Message_that_does_not_fit_the_memory_budget_waits_then_gets_452_and_the_next_one_fits()
    {
        var settings = Defaults with { MaxInFlightBytes = 16 * 1024, InFlightWait = TimeSpan.FromMilliseconds(300) };
        var listener = await Listener.StartAsync(Sys, settings);
        await using var client = await listener.ConnectAsync();

        await SendMessageAsync(client, recipients: 2, body: "Subject: big\r\n\r\n" + new string('x', 64 * 1024) + "\r\n");
        Assert.StartsWith("452 4.3.1 <r0@trap.example>", await client.ExpectAsync("452"));
        Assert.StartsWith("452 4.3.1 <r1@trap.example>", await client.ExpectAsync("452"));

        await SendMessageAsync(client, recipients: 1, body: "Subject: small\r\n\r\n" + new string('y', 4000) + "\r\n");
        await client.ExpectAsync("250 2.0.0 <r0@trap.example>");
        Assert.Equal(1, listener.StoredCount);
    }

    [Fact]
    public async Task Idle_client_gets_421_and_is_disconnected()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { CommandIdleTimeout = TimeSpan.FromMilliseconds(300) });
        // No LHLO: on a busy machine its round trip can itself take longer than the 300 ms, and the 421 would answer it.
        await using var client = await listener.ConnectAsync(greet: false);
        await client.ExpectAsync("220 ");
        await client.ExpectAsync("421 4.4.2");
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task Client_idle_in_the_middle_of_data_gets_421_and_nothing_is_stored()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { DataIdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await listener.ConnectAsync();
        await client.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<a@trap.example>\r\nDATA\r\n");
        await client.ExpectAsync("250");
        await client.ExpectAsync("250");
        await client.ExpectAsync("354");
        await client.SendAsync("Subject: never finished\r\n");
        await client.ExpectAsync("421 4.4.2");
        Assert.Equal(0, listener.StoredCount);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_get_421_and_a_place_frees_up_when_one_leaves()
    {
        var listener = await Listener.StartAsync(Sys, Defaults with { MaxConnections = 2 });
        var first = await listener.ConnectAsync();
        await using var second = await listener.ConnectAsync();
        // Both in a transaction: idle ones would be closed to make room (IdleFloodSpecs).
        foreach (var busy in new[] { first, second })
        {
            await busy.SendAsync("MAIL FROM:<s@example.net>\r\n");
            await busy.ExpectAsync("250");
        }

        await using (var third = await listener.ConnectAsync(greet: false))
        {
            await third.ExpectAsync("421 4.3.2");
            Assert.True(await third.ClosedByServerAsync());
        }

        await first.SendAsync("QUIT\r\n");
        await first.ExpectAsync("221");
        await first.DisposeAsync();
        // The place frees up once the first session has stopped, which the client cannot observe: try until a deadline
        // (a try takes about a millisecond, so a count of tries would bound nothing).
        string? greeting = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (greeting?.StartsWith("220 ", StringComparison.Ordinal) != true && DateTime.UtcNow < deadline)
        {
            await using var late = await listener.ConnectAsync(greet: false);
            greeting = await late.ReadReplyAsync();
            if (greeting?.StartsWith("220 ", StringComparison.Ordinal) != true)
                await Task.Delay(20);
        }
        Assert.StartsWith("220 ", greeting);
    }

    [Fact]
    public async Task Connection_dropped_mid_data_stores_nothing_and_others_are_served()
    {
        var listener = await Listener.StartAsync(Sys, Defaults);
        await using (var dropped = await listener.ConnectAsync())
        {
            await dropped.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<a@trap.example>\r\nDATA\r\n");
            await dropped.ExpectAsync("250");
            await dropped.ExpectAsync("250");
            await dropped.ExpectAsync("354");
            await dropped.SendAsync("Subject: half a message\r\n\r\nand then");
        }

        await using var other = await listener.ConnectAsync();
        await SendMessageAsync(other, recipients: 1);
        await other.ExpectAsync("250 2.0.0");
        await AwaitAssertAsync(() => Assert.Equal(1, listener.StoredCount));
        Assert.Contains("hello", System.Text.Encoding.UTF8.GetString(listener.Stored[0].Body.ToArray()));
    }

    [Fact]
    public async Task A_session_that_dies_closes_its_own_connection_with_421_and_no_other()
    {
        var listener = await Listener.StartAsync(Sys, Defaults);
        await using var victim = await listener.ConnectAsync();
        await using var bystander = await listener.ConnectAsync();

        // Sessions are named in the order connections arrive: the victim connected first.
        var session = await Sys.ActorSelection(listener.Actor.Path / "session-1").ResolveOne(TimeSpan.FromSeconds(5));
        Sys.Stop(session);

        await victim.ExpectAsync("421 4.3.0");
        Assert.True(await victim.ClosedByServerAsync());
        await SendMessageAsync(bystander, recipients: 1);
        await bystander.ExpectAsync("250 2.0.0");
    }

    [Fact]
    public async Task Stopping_lets_a_message_in_progress_finish_and_closes_idle_sessions_with_421()
    {
        var listener = await Listener.StartAsync(Sys, Defaults);
        await using var idle = await listener.ConnectAsync();
        await using var busy = await listener.ConnectAsync();
        await busy.SendAsync("MAIL FROM:<s@example.net>\r\nRCPT TO:<a@trap.example>\r\nDATA\r\n");
        await busy.ExpectAsync("250");
        await busy.ExpectAsync("250");
        await busy.ExpectAsync("354");
        await busy.SendAsync("Subject: in flight\r\n\r\n");

        var stopped = listener.Actor.Ask<ListenerStopped>(new StopListening(), TimeSpan.FromSeconds(20));

        await idle.ExpectAsync("421 4.3.2");
        await busy.SendAsync("last line\r\n.\r\n");
        await busy.ExpectAsync("250 2.0.0 <a@trap.example>");
        await busy.ExpectAsync("421 4.3.2");
        Assert.Equal(0, (await stopped).SessionsCutOff);
        Assert.Equal(1, listener.StoredCount);
    }

    [Fact]
    public async Task A_port_already_taken_is_reported_as_a_bind_failure()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var sink = Sys.ActorOf(RecordingSinkActor.Props([], SinkBehaviour.Store));

        var listener = Sys.ActorOf(LmtpListenerActor.Props(Defaults with { Host = "127.0.0.1", Port = port }, sink));

        var failed = Assert.IsType<ListenerFailed>(await listener.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(10)));
        Assert.StartsWith($"cannot listen on 127.0.0.1:{port}", failed.Reason);
    }

    [Fact]
    public async Task A_host_name_that_does_not_resolve_is_reported_as_a_bind_failure()
    {
        var sink = Sys.ActorOf(RecordingSinkActor.Props([], SinkBehaviour.Store));

        // .invalid never resolves (RFC 2606).
        var listener = Sys.ActorOf(LmtpListenerActor.Props(Defaults with { Host = "collector.invalid", Port = 0 }, sink));

        var failed = Assert.IsType<ListenerFailed>(await listener.Ask<object>(new GetBinding(), TimeSpan.FromSeconds(30)));
        Assert.StartsWith("cannot listen on collector.invalid:0", failed.Reason);
    }
}
