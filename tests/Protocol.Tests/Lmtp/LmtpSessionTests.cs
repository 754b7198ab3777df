using System.Text;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

public class LmtpSessionTests
{
    private static readonly Reply Stored = Replies.Delivered("ab12");

    private static LmtpSession NewSession(LmtpLimits? limits = null, params string[] domains) =>
        new(new LmtpSessionSettings("trap.local", limits ?? new LmtpLimits(), new TrapDomains(domains)));

    private static SessionStep Send(LmtpSession session, string line) => session.HandleLine(Encoding.UTF8.GetBytes(line));

    /// <summary>Sends lines that must each be answered with one positive reply.</summary>
    private static void SendOk(LmtpSession session, params string[] lines)
    {
        foreach (var line in lines)
        {
            var step = Send(session, line);
            Assert.True(step.Replies.Count == 1 && step.Replies[0].IsPositive, $"{line} -> {string.Join("", step.Replies)}");
        }
    }

    private static LmtpSession InTransaction(params string[] recipients)
    {
        var session = NewSession();
        SendOk(session, "LHLO postfix.local", "MAIL FROM:<s@spam.example>");
        SendOk(session, recipients.Select(r => $"RCPT TO:<{r}>").ToArray());
        return session;
    }

    private static void AssertRefused(SessionStep step, int code, string enhanced)
    {
        var reply = Assert.Single(step.Replies);
        Assert.Equal(code, reply.Code);
        Assert.Equal(enhanced, reply.Enhanced);
        Assert.Equal(SessionAction.ReadCommand, step.Action);
    }

    [Fact]
    public void Greets_with_220_and_its_host_name()
    {
        var greeting = NewSession().Greeting;

        Assert.Equal(220, greeting.Code);
        Assert.StartsWith("220 trap.local ", greeting.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\r\n", greeting.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Answers_lhlo_with_the_capabilities_lmtp_needs()
    {
        var session = NewSession(new LmtpLimits { MaxMessageBytes = 12345 });

        var reply = Assert.Single(Send(session, "LHLO postfix.local").Replies);

        Assert.Equal(250, reply.Code);
        Assert.Contains("postfix.local", reply.Lines[0], StringComparison.Ordinal);
        var capabilities = reply.Lines.Skip(1).ToList();
        Assert.Contains("PIPELINING", capabilities);
        Assert.Contains("ENHANCEDSTATUSCODES", capabilities);
        Assert.Contains("8BITMIME", capabilities);
        Assert.Contains("SMTPUTF8", capabilities);
        Assert.Contains("SIZE 12345", capabilities);
        Assert.Contains("CHUNKING", capabilities);
        var xforward = Assert.Single(capabilities, c => c.StartsWith("XFORWARD ", StringComparison.Ordinal)).Split(' ').Skip(1);
        Assert.Equal(XforwardAttributes.Names.Order(), xforward.Order());
        Assert.Equal(LmtpState.Ready, session.State);
        Assert.Equal("postfix.local", session.ClientName);
        var text = reply.ToString();
        Assert.Contains("250-PIPELINING\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Split("\r\n").Count(l => l.StartsWith("250 ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("HELO client.example")]
    [InlineData("EHLO client.example")]
    public void Refuses_helo_and_ehlo_with_a_hint_to_say_lhlo(string line)
    {
        foreach (var session in new[] { NewSession(), InTransaction("a@trap.example") })
        {
            var state = session.State;
            var step = Send(session, line);

            AssertRefused(step, 500, "5.5.1");
            Assert.Contains("LHLO", step.Replies[0].Lines[0], StringComparison.Ordinal);
            Assert.Equal(state, session.State);
        }
    }

    [Fact]
    public void While_the_transport_refuses_mail_a_well_formed_mail_gets_that_reply_and_opens_no_transaction()
    {
        var session = NewSession();
        SendOk(session, "LHLO postfix.local");
        session.MailRefusal = Replies.NothingCanPublish;

        AssertRefused(Send(session, "MAIL FROM:<s@spam.example>"), 451, "4.4.3");
        Assert.Equal(LmtpState.Ready, session.State);
        Assert.Null(session.Sender);
        // What Postfix pipelines behind MAIL is refused for want of a transaction: no DATA, so no body.
        AssertRefused(Send(session, "RCPT TO:<v@trap.example>"), 503, "5.5.1");
        AssertRefused(Send(session, "DATA"), 503, "5.5.1");
        // A malformed MAIL is still told what is wrong with it.
        AssertRefused(Send(session, "MAIL FROM:no-brackets"), 501, "5.5.4");

        session.MailRefusal = null;
        SendOk(session, "MAIL FROM:<s@spam.example>", "RCPT TO:<v@trap.example>");
    }

    [Fact]
    public void Refuses_mail_before_lhlo()
    {
        var session = NewSession();

        AssertRefused(Send(session, "MAIL FROM:<>"), 503, "5.5.1");
        Assert.Equal(LmtpState.Greeted, session.State);
    }

    [Fact]
    public void Refuses_rcpt_and_data_before_mail()
    {
        var session = NewSession();
        SendOk(session, "LHLO x");

        AssertRefused(Send(session, "RCPT TO:<a@trap.example>"), 503, "5.5.1");
        AssertRefused(Send(session, "DATA"), 503, "5.5.1");
        Assert.Empty(session.Recipients);
    }

    [Fact]
    public void Refuses_data_without_an_accepted_recipient()
    {
        var session = NewSession(null, "trap.example");
        SendOk(session, "LHLO x", "MAIL FROM:<>");
        Send(session, "RCPT TO:<a@elsewhere.example>");

        AssertRefused(Send(session, "DATA"), 503, "5.5.1");
        Assert.Equal(LmtpState.Transaction, session.State);
    }

    [Fact]
    public void Refuses_a_second_mail_in_a_transaction()
    {
        var session = InTransaction("a@trap.example");

        AssertRefused(Send(session, "MAIL FROM:<other@spam.example>"), 503, "5.5.1");
        Assert.Equal("s@spam.example", session.Sender);
    }

    [Fact]
    public void Refuses_xforward_inside_a_transaction()
    {
        var session = InTransaction();

        AssertRefused(Send(session, "XFORWARD ADDR=192.0.2.1"), 503, "5.5.1");
        Assert.Empty(session.Xforward);
    }

    [Fact]
    public void Accepts_the_null_sender()
    {
        var session = NewSession();
        SendOk(session, "LHLO x", "MAIL FROM:<>");

        Assert.Equal("", session.Sender);
        Assert.Equal(LmtpState.Transaction, session.State);
    }

    [Fact]
    public void Refuses_a_declared_size_over_the_limit()
    {
        var session = NewSession(new LmtpLimits { MaxMessageBytes = 100 });
        SendOk(session, "LHLO x");

        AssertRefused(Send(session, "MAIL FROM:<> SIZE=101"), 552, "5.3.4");
        Assert.Equal(LmtpState.Ready, session.State);
        SendOk(session, "MAIL FROM:<> SIZE=100 BODY=8BITMIME");
        Assert.Equal(new MailParameters(100, BodyType.EightBitMime, false), session.Parameters);
    }

    [Fact]
    public void Refuses_a_utf8_address_unless_mail_said_smtputf8()
    {
        var session = NewSession();
        SendOk(session, "LHLO x");
        AssertRefused(Send(session, "MAIL FROM:<jörg@spam.example>"), 553, "5.6.7");
        SendOk(session, "MAIL FROM:<s@spam.example>");
        AssertRefused(Send(session, "RCPT TO:<käse@bücher.example>"), 553, "5.6.7");
        SendOk(session, "RSET", "MAIL FROM:<jörg@spam.example> SMTPUTF8", "RCPT TO:<käse@bücher.example>");

        Assert.Equal(["käse@bücher.example"], session.Recipients);
    }

    [Fact]
    public void Refuses_a_recipient_outside_the_trap_domains()
    {
        var session = NewSession(null, "trap.example");
        SendOk(session, "LHLO x", "MAIL FROM:<>");

        AssertRefused(Send(session, "RCPT TO:<a@eviltrap.example>"), 550, "5.1.2");
        SendOk(session, "RCPT TO:<b@mx.trap.example>");
        Assert.Equal(["b@mx.trap.example"], session.Recipients);
    }

    [Theory]
    [InlineData("RCPT TO:<a..b@trap.example>", 501, "5.1.3")]
    [InlineData("RCPT TO:a@trap.example", 501, "5.5.4")]
    [InlineData("RCPT TO:<a@trap.example> NOTIFY=NEVER", 555, "5.5.4")]
    public void Refuses_a_malformed_recipient(string line, int code, string enhanced)
    {
        var session = InTransaction();

        AssertRefused(Send(session, line), code, enhanced);
        Assert.Empty(session.Recipients);
    }

    [Fact]
    public void Refuses_recipients_beyond_the_limit()
    {
        var session = NewSession(new LmtpLimits { MaxRecipients = 2 });
        SendOk(session, "LHLO x", "MAIL FROM:<>", "RCPT TO:<a@trap.example>", "RCPT TO:<b@trap.example>");

        AssertRefused(Send(session, "RCPT TO:<c@trap.example>"), 452, "4.5.3");
        Assert.Equal(["a@trap.example", "b@trap.example"], session.Recipients);
    }

    [Fact]
    public void Asks_for_the_body_after_data_and_delivers_it_once_complete()
    {
        var session = InTransaction("a@trap.example");

        var data = Send(session, "DATA");
        Assert.Equal(354, Assert.Single(data.Replies).Code);
        Assert.Equal(SessionAction.ReadData, data.Action);
        Assert.Equal(LmtpState.ReadingMessage, session.State);

        var ended = session.DataEnded(BodyStatus.Complete);
        Assert.Empty(ended.Replies);
        Assert.Equal(SessionAction.Deliver, ended.Action);
        Assert.Equal(LmtpState.Delivering, session.State);
        Assert.Equal("s@spam.example", session.Sender);
        Assert.Equal(["a@trap.example"], session.Recipients);
    }

    [Theory]
    [InlineData(250, "2.0.0")]
    [InlineData(451, "4.3.0")]
    [InlineData(554, "5.3.0")]
    public void Replies_once_per_recipient_after_data_in_rcpt_order(int code, string enhanced)
    {
        var session = NewSession(null, "trap.example");
        SendOk(session, "LHLO x", "MAIL FROM:<>", "RCPT TO:<b@trap.example>", "RCPT TO:<a@trap.example>");
        Send(session, "RCPT TO:<c@elsewhere.example>");
        SendOk(session, "RCPT TO:<b@trap.example>", "RCPT TO:<postmaster>");
        Send(session, "DATA");
        session.DataEnded(BodyStatus.Complete);

        var step = session.Delivered(new Reply(code, enhanced, "verdict"));

        Assert.Equal(SessionAction.ReadCommand, step.Action);
        Assert.Equal(["<b@trap.example> verdict", "<a@trap.example> verdict", "<b@trap.example> verdict", "<postmaster> verdict"],
            step.Replies.Select(r => Assert.Single(r.Lines)));
        Assert.All(step.Replies, r => Assert.Equal((code, enhanced), (r.Code, r.Enhanced)));
        Assert.Equal(LmtpState.Ready, session.State);
        Assert.Null(session.Sender);
        Assert.Empty(session.Recipients);
    }

    [Theory]
    [InlineData(BodyStatus.TooBig, 552, "5.3.4")]
    [InlineData(BodyStatus.NoMemory, 452, "4.3.1")]
    public void Refuses_a_discarded_body_once_per_recipient(BodyStatus status, int code, string enhanced)
    {
        var session = InTransaction("a@trap.example", "b@trap.example", "a@trap.example");
        Send(session, "DATA");

        var step = session.DataEnded(status);

        Assert.Equal(SessionAction.ReadCommand, step.Action);
        Assert.Equal(3, step.Replies.Count);
        Assert.All(step.Replies, r => Assert.Equal((code, enhanced), (r.Code, r.Enhanced)));
        Assert.Equal(["<a@trap.example>", "<b@trap.example>", "<a@trap.example>"], step.Replies.Select(r => r.Lines[0].Split(' ')[0]));
        Assert.Equal(LmtpState.Ready, session.State);
        SendOk(session, "MAIL FROM:<>");
    }

    [Fact]
    public void Reads_bdat_chunks_then_delivers_after_the_last()
    {
        var session = InTransaction("a@trap.example", "b@trap.example");

        var first = Send(session, "BDAT 100");
        Assert.Equal((SessionAction.ReadChunk, 100L), (first.Action, first.ChunkSize));
        Assert.Empty(first.Replies);
        var received = session.ChunkEnded(BodyStatus.Complete);
        var reply = Assert.Single(received.Replies);
        Assert.Equal((250, "2.0.0"), (reply.Code, reply.Enhanced));
        Assert.Contains("100", reply.Lines[0], StringComparison.Ordinal);
        Assert.Equal(LmtpState.Chunking, session.State);

        var last = Send(session, "bdat 50 last");
        Assert.Equal((SessionAction.ReadChunk, 50L), (last.Action, last.ChunkSize));
        Assert.Equal(SessionAction.Deliver, session.ChunkEnded(BodyStatus.Complete).Action);

        Assert.Equal(2, session.Delivered(Stored).Replies.Count);
        Assert.Equal(LmtpState.Ready, session.State);
    }

    [Fact]
    public void Delivers_after_bdat_0_last()
    {
        var session = InTransaction("a@trap.example");

        var step = Send(session, "BDAT 0 LAST");

        Assert.Equal((SessionAction.ReadChunk, 0L), (step.Action, step.ChunkSize));
        Assert.Equal(SessionAction.Deliver, session.ChunkEnded(BodyStatus.Complete).Action);
    }

    [Fact]
    public void Refuses_a_too_big_chunked_message_once_per_recipient()
    {
        var session = InTransaction("a@trap.example", "b@trap.example");
        Send(session, "BDAT 10 LAST");

        var step = session.ChunkEnded(BodyStatus.TooBig);

        Assert.Equal(2, step.Replies.Count);
        Assert.All(step.Replies, r => Assert.Equal((552, "5.3.4"), (r.Code, r.Enhanced)));
    }

    [Fact]
    public void Discards_the_chunk_of_a_bdat_without_mail_then_refuses_it()
    {
        var session = NewSession();
        SendOk(session, "LHLO x");

        var step = Send(session, "BDAT 42 LAST");
        Assert.Equal((SessionAction.DiscardChunk, 42L), (step.Action, step.ChunkSize));
        Assert.Empty(step.Replies);

        AssertRefused(session.ChunkEnded(BodyStatus.Complete), 503, "5.5.1");
        Assert.Equal(LmtpState.Ready, session.State);
        SendOk(session, "MAIL FROM:<>");
    }

    [Fact]
    public void Discards_the_chunk_of_a_bdat_without_recipients_then_refuses_it()
    {
        var session = InTransaction();

        Assert.Equal(SessionAction.DiscardChunk, Send(session, "BDAT 7").Action);

        AssertRefused(session.ChunkEnded(BodyStatus.Complete), 503, "5.5.1");
        Assert.Equal(LmtpState.Transaction, session.State);
    }

    [Theory]
    [InlineData("BDAT")]
    [InlineData("BDAT x")]
    [InlineData("BDAT -1")]
    [InlineData("BDAT 10 FIRST")]
    [InlineData("BDAT 10 LAST more")]
    public void Refuses_a_malformed_bdat_without_reading_a_chunk(string line)
    {
        var session = InTransaction("a@trap.example");

        AssertRefused(Send(session, line), 501, "5.5.4");
        Assert.Equal(LmtpState.Transaction, session.State);
    }

    [Fact]
    public void Refuses_data_inside_a_bdat_transaction()
    {
        var session = InTransaction("a@trap.example");
        Send(session, "BDAT 3");
        session.ChunkEnded(BodyStatus.Complete);

        AssertRefused(Send(session, "DATA"), 503, "5.5.1");
        Assert.Equal(LmtpState.Chunking, session.State);
    }

    [Fact]
    public void Resets_the_transaction_on_rset()
    {
        var session = InTransaction("a@trap.example");

        var reply = Assert.Single(Send(session, "RSET").Replies);

        Assert.Equal((250, "2.0.0"), (reply.Code, reply.Enhanced));
        Assert.Equal(LmtpState.Ready, session.State);
        Assert.Null(session.Sender);
        Assert.Empty(session.Recipients);
        AssertRefused(Send(session, "RCPT TO:<a@trap.example>"), 503, "5.5.1");
        SendOk(session, "MAIL FROM:<>");
    }

    [Fact]
    public void Says_bye_and_closes_on_quit()
    {
        var session = InTransaction("a@trap.example");

        var step = Send(session, "QUIT");

        Assert.Equal((221, "2.0.0"), (Assert.Single(step.Replies).Code, step.Replies[0].Enhanced));
        Assert.Equal(SessionAction.Close, step.Action);
        Assert.Equal(LmtpState.Closed, session.State);
        Assert.Throws<InvalidOperationException>(() => Send(session, "NOOP"));
    }

    [Fact]
    public void Refuses_a_line_ending_in_a_bare_line_feed()
    {
        var session = NewSession();

        AssertRefused(session.HandleLine("LHLO x"u8, bareLineFeed: true), 500, "5.5.2");
        Assert.Equal(LmtpState.Greeted, session.State);
    }

    [Fact]
    public void Answers_an_over_long_line()
    {
        var session = InTransaction("a@trap.example");

        AssertRefused(session.HandleLineTooLong(), 500, "5.5.2");
        Assert.Equal(LmtpState.Transaction, session.State);
    }

    [Fact]
    public void Refuses_unknown_commands_nul_and_eight_bit_bytes()
    {
        var session = NewSession();

        AssertRefused(Send(session, "STARTTLS"), 500, "5.5.2");
        AssertRefused(Send(session, "LHLO a\0b"), 500, "5.5.2");
        AssertRefused(Send(session, "LHLO ä"), 500, "5.5.2");
        Assert.Equal(LmtpState.Greeted, session.State);
    }

    [Fact]
    public void Keeps_xforward_attributes_until_the_transaction_ends()
    {
        var session = NewSession();
        SendOk(session, "LHLO x", "XFORWARD NAME=spam.example ADDR=192.0.2.7", "XFORWARD HELO=h+2Bx");
        SendOk(session, "MAIL FROM:<>", "RCPT TO:<a@trap.example>");
        Send(session, "DATA");
        session.DataEnded(BodyStatus.Complete);

        Assert.Equal("192.0.2.7", session.Xforward["ADDR"]);
        Assert.Equal("spam.example", session.Xforward["NAME"]);
        Assert.Equal("h+x", session.Xforward["HELO"]);

        session.Delivered(Stored);
        Assert.Empty(session.Xforward);
    }

    [Fact]
    public void Forgets_xforward_attributes_on_rset_and_refuses_unknown_ones()
    {
        var session = NewSession();
        SendOk(session, "LHLO x", "XFORWARD ADDR=192.0.2.7");

        AssertRefused(Send(session, "XFORWARD COLOUR=red"), 501, "5.5.4");
        Assert.Equal("192.0.2.7", session.Xforward["ADDR"]);
        SendOk(session, "RSET");
        Assert.Empty(session.Xforward);
    }

    [Fact]
    public void Starts_afresh_on_a_second_lhlo()
    {
        var session = InTransaction("a@trap.example");

        SendOk(session, "LHLO other.local");

        Assert.Equal(LmtpState.Ready, session.State);
        Assert.Equal("other.local", session.ClientName);
        Assert.Null(session.Sender);
        Assert.Empty(session.Recipients);
    }

    [Fact]
    public void Answers_noop_and_vrfy_in_any_state()
    {
        var session = NewSession();

        SendOk(session, "NOOP", "VRFY someone");
        Assert.Equal(252, Send(session, "VRFY someone").Replies[0].Code);
        AssertRefused(Send(session, "VRFY"), 501, "5.5.4");
    }

    [Fact]
    public void Gives_every_reply_an_enhanced_status_code_except_the_greeting_and_lhlo()
    {
        var session = NewSession(new LmtpLimits { MaxRecipients = 2, MaxMessageBytes = 1000 }, "trap.example");
        var replies = new List<Reply>();
        void Run(string line) => replies.AddRange(Send(session, line).Replies);

        foreach (var line in new[]
        {
            "MAIL FROM:<>", "HELO x", "FOO", "NOOP", "VRFY x", "VRFY", "XFORWARD NAME=a", "XFORWARD BAD=1",
        })
        {
            Run(line);
        }
        var lhlo = Send(session, "LHLO x").Replies;
        foreach (var line in new[]
        {
            "RCPT TO:<a@trap.example>", "DATA", "RSET x", "MAIL FROM:<> SIZE=5000", "MAIL FROM:<> RET=HDRS", "MAIL FROM:x",
            "MAIL FROM:<a..b@x>", "MAIL FROM:<ü@x>", "MAIL FROM:<>", "MAIL FROM:<>", "XFORWARD ADDR=1", "RCPT TO:<a>",
            "RCPT TO:<a@other.example>", "RCPT TO:<a@trap.example>", "RCPT TO:<b@trap.example>", "RCPT TO:<c@trap.example>",
            "DATA x", "BDAT x",
        })
        {
            Run(line);
        }
        replies.AddRange(session.HandleLineTooLong().Replies);
        replies.AddRange(session.HandleLine("NOOP"u8, bareLineFeed: true).Replies);
        replies.AddRange(session.HandleLine("NOOP\0"u8).Replies);
        Send(session, "BDAT 5");
        replies.AddRange(session.ChunkEnded(BodyStatus.Complete).Replies);
        Run("DATA");
        Run("RCPT TO:<a@trap.example>");
        Send(session, "BDAT 5 LAST");
        session.ChunkEnded(BodyStatus.Complete);
        replies.AddRange(session.Delivered(Stored).Replies);
        Run("MAIL FROM:<>");
        Run("RCPT TO:<a@trap.example>");
        Run("DATA");
        replies.AddRange(session.DataEnded(BodyStatus.NoMemory).Replies);
        Send(session, "BDAT 5 LAST");
        replies.AddRange(session.ChunkEnded(BodyStatus.Complete).Replies);
        Run("RSET");
        Run("QUIT");

        Assert.Null(NewSession().Greeting.Enhanced);
        Assert.Null(Assert.Single(lhlo).Enhanced);
        Assert.True(replies.Count > 30, $"only {replies.Count} replies");
        // 354 is a 3xx reply: RFC 3463 status codes have classes 2, 4 and 5 only, so it has none.
        Assert.All(replies.Where(r => r.Code != 354), r =>
        {
            Assert.NotNull(r.Enhanced);
            Assert.Matches(@"^[245]\.\d{1,3}\.\d{1,3}$", r.Enhanced);
            Assert.Equal(r.Code / 100, r.Enhanced[0] - '0');
            Assert.All(r.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries),
                l => Assert.StartsWith($"{r.Code}{l[3]}{r.Enhanced} ", l, StringComparison.Ordinal));
        });
    }
}
