namespace SmtpCollector.Protocol.Lmtp;

public enum LmtpVerb
{
    Lhlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Xforward,
    Helo,
    Ehlo,
}
