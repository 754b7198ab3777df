namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep Data(string argument)
    {
        if (argument.Length > 0)
            return SessionStep.Refuse(Rejection.SyntaxError);
        if (_recipients.Count == 0)
            return SessionStep.Refuse(Rejection.NoValidRecipients);
        State = LmtpState.ReadingMessage;
        return new SessionStep([Replies.StartData], SessionAction.ReadData);
    }
}
