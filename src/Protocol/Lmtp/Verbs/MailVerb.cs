namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep Mail(string argument)
    {
        if (PathArgument.Parse(argument, "FROM:") is not { } path)
            return SessionStep.Refuse(Rejection.SyntaxError);

        var (parameters, refused) = MailParameters.Parse(path.Parameters, _settings.Limits.MaxMessageBytes);
        if (refused is { } rejection)
            return SessionStep.Refuse(rejection);

        if (path.Path.Length > 0)
        {
            if (Mailbox.TryParse(path.Path) is not { } mailbox)
                return SessionStep.Refuse(Rejection.BadSenderAddress);
            if (mailbox.IsUtf8 && !parameters!.SmtpUtf8)
                return SessionStep.Refuse(Rejection.Utf8AddressWithoutSmtpUtf8);
        }

        // Refused before RCPT and DATA: Postfix then sends no body at all, and tries the next collector or keeps the mail.
        if (MailRefusal is { } refusal)
            return SessionStep.Reply(refusal);

        Sender = path.Path;
        Parameters = parameters!;
        State = LmtpState.Transaction;
        return SessionStep.Reply(Replies.SenderOk);
    }
}
