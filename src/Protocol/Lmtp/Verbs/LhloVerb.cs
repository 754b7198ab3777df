namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep Lhlo(string argument)
    {
        // The name is echoed in the reply: a control character (a CR above all) would break the reply's lines.
        if (argument.Length == 0 || argument.Contains(' ') || argument.Any(char.IsControl))
            return SessionStep.Refuse(Rejection.SyntaxError);
        // LHLO starts afresh, like EHLO (RFC 5321 4.1.4): any transaction is dropped.
        ClientName = argument;
        ResetTransaction();
        return SessionStep.Reply(Replies.Capabilities(_settings.HostName, argument, _settings.Limits.MaxMessageBytes));
    }
}
