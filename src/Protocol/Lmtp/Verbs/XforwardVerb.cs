namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep XforwardCommand(string argument)
    {
        if (XforwardAttributes.Merge(Xforward, argument) is not { } merged)
            return SessionStep.Refuse(Rejection.SyntaxError);
        Xforward = merged;
        return SessionStep.Reply(Replies.Ok);
    }
}
