using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>The reply table: every reply the server can send, in one place.</summary>
public static class Replies
{
    public static Reply Greeting(string host) => new(220, null, $"{host} LMTP smtp-collector ready");
    public static Reply Capabilities(string host, string clientName, long maxMessageBytes) => new(250, null,
    [
        $"{host} greets {clientName}",
        "PIPELINING",
        "ENHANCEDSTATUSCODES",
        "8BITMIME",
        "SMTPUTF8",
        $"SIZE {maxMessageBytes}",
        "CHUNKING",
        "XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE",
    ]);

    public static readonly Reply Ok = new(250, "2.0.0", "Ok");
    public static readonly Reply SenderOk = new(250, "2.1.0", "Sender ok");
    public static readonly Reply RecipientOk = new(250, "2.1.5", "Recipient ok");
    public static readonly Reply ResetOk = new(250, "2.0.0", "Reset");
    public static readonly Reply StartData = new(354, null, "End data with <CR><LF>.<CR><LF>");
    public static readonly Reply Bye = new(221, "2.0.0", "Bye");
    public static readonly Reply CannotVerify = new(252, "2.0.0", "Cannot VRFY user, but will accept message for delivery");
    public static Reply ChunkReceived(long size) => new(250, "2.0.0", $"{size} octets received");
    public static Reply Delivered(string sha256) => new(250, "2.0.0", $"Ok, stored as {sha256}");

    public static readonly Reply SinkFailed = new(451, "4.3.0", "Message not stored, try again later");
    public static readonly Reply SinkTimedOut = new(451, "4.3.0", "Message not stored in time, try again later");
    public static readonly Reply PublishFailed = new(451, "4.4.3", "Message not published, try again later");
    public static readonly Reply NothingCanPublish = new(451, "4.4.3", "No publisher connected, try again later");
    public static readonly Reply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed limit");
    public static readonly Reply NoMemory = new(452, "4.3.1", "Insufficient system resources, try again later");
    public static readonly Reply TooManyConnections = new(421, "4.3.2", "Too many connections, try again later");
    public static readonly Reply ShuttingDown = new(421, "4.3.2", "Service shutting down, try again later");
    public static readonly Reply IdleTimeout = new(421, "4.4.2", "Idle timeout, closing connection");
    public static readonly Reply Evicted = new(421, "4.4.2", "Too many connections: closing this idle one, try again later");
    public static readonly Reply InternalError = new(421, "4.3.0", "Internal error, closing connection");

    /// <summary>What every recipient of a message a sink did not keep is told: 4xx (Postfix keeps it and retries) unless retrying cannot help.</summary>
    public static Reply For(NotStoredReason reason) => reason switch
    {
        NotStoredReason.Unavailable => PublishFailed,
        NotStoredReason.Timeout => SinkTimedOut,
        NotStoredReason.TooLarge => MessageTooBig,
        NotStoredReason.Failed => SinkFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static Reply For(Rejection rejection) => rejection switch
    {
        Rejection.UnknownCommand => new(500, "5.5.2", "Command not recognized"),
        Rejection.NotLmtp => new(500, "5.5.1", "This is an LMTP server (RFC 2033): say LHLO"),
        Rejection.LineTooLong => new(500, "5.5.2", "Line too long"),
        Rejection.NulInCommand => new(500, "5.5.2", "NUL byte in command"),
        Rejection.EightBitInCommand => new(500, "5.5.2", "8-bit byte in command"),
        Rejection.BareLineFeed => new(500, "5.5.2", "Bare LF in command: lines end in CRLF"),
        Rejection.SyntaxError => new(501, "5.5.4", "Syntax error in parameters or arguments"),
        Rejection.BadSenderAddress => new(501, "5.1.7", "Bad sender address syntax"),
        Rejection.BadRecipientAddress => new(501, "5.1.3", "Bad recipient address syntax"),
        Rejection.UnsupportedParameter => new(555, "5.5.4", "Parameter not recognized or not implemented"),
        Rejection.Utf8AddressWithoutSmtpUtf8 => new(553, "5.6.7", "UTF-8 address needs the SMTPUTF8 parameter on MAIL"),
        Rejection.DomainNotServed => new(550, "5.1.2", "Recipient domain not served here"),
        Rejection.TooManyRecipients => new(452, "4.5.3", "Too many recipients"),
        Rejection.MessageSizeExceeded => MessageTooBig,
        Rejection.NeedLhlo => new(503, "5.5.1", "Send LHLO first"),
        Rejection.NeedMail => new(503, "5.5.1", "Need MAIL first"),
        Rejection.NeedRcpt => new(503, "5.5.1", "Need RCPT first"),
        Rejection.SenderAlreadyGiven => new(503, "5.5.1", "Sender already given"),
        Rejection.XforwardInTransaction => new(503, "5.5.1", "XFORWARD not allowed inside a mail transaction"),
        Rejection.DataInChunkTransaction => new(503, "5.5.1", "DATA not allowed in a BDAT transaction"),
        Rejection.NoValidRecipients => new(503, "5.5.1", "No valid recipients"),
        Rejection.BadSequence => new(503, "5.5.1", "Bad sequence of commands"),
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, null),
    };
}
