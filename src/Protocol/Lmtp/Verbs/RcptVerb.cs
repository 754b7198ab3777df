namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep Rcpt(string argument)
    {
        if (PathArgument.Parse(argument, "TO:") is not { } path)
            return SessionStep.Refuse(Rejection.SyntaxError);
        // No RCPT parameter is announced (no DSN), so any is unsupported.
        if (path.Parameters.Count > 0)
            return SessionStep.Refuse(Rejection.UnsupportedParameter);
        if (Mailbox.TryParse(path.Path) is not { } mailbox)
            return SessionStep.Refuse(Rejection.BadRecipientAddress);
        if (mailbox.IsUtf8 && !Parameters.SmtpUtf8)
            return SessionStep.Refuse(Rejection.Utf8AddressWithoutSmtpUtf8);
        if (!_settings.Domains.Matches(mailbox))
            return SessionStep.Refuse(Rejection.DomainNotServed);
        if (_recipients.Count >= _settings.Limits.MaxRecipients)
            return SessionStep.Refuse(Rejection.TooManyRecipients);

        _recipients.Add(path.Path);
        return SessionStep.Reply(Replies.RecipientOk);
    }
}
