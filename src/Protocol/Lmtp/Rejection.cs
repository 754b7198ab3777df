namespace SmtpCollector.Protocol.Lmtp;

/// <summary>Every way a client's command can be refused. Mapped to a reply in one place: <see cref="Replies.For(Rejection)"/>.</summary>
public enum Rejection
{
    UnknownCommand,
    NotLmtp,
    LineTooLong,
    NulInCommand,
    EightBitInCommand,
    BareLineFeed,
    SyntaxError,
    BadSenderAddress,
    BadRecipientAddress,
    UnsupportedParameter,
    Utf8AddressWithoutSmtpUtf8,
    DomainNotServed,
    TooManyRecipients,
    MessageSizeExceeded,
    NeedLhlo,
    NeedMail,
    NeedRcpt,
    SenderAlreadyGiven,
    XforwardInTransaction,
    DataInChunkTransaction,
    NoValidRecipients,
    BadSequence,
}
