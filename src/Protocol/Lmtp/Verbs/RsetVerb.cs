namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep Rset(string argument)
    {
        if (argument.Length > 0)
            return SessionStep.Refuse(Rejection.SyntaxError);
        ResetTransaction();
        return SessionStep.Reply(Replies.ResetOk);
    }
}
