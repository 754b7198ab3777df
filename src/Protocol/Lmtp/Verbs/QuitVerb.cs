namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    private SessionStep Quit()
    {
        State = LmtpState.Closed;
        return new SessionStep([Replies.Bye], SessionAction.Close);
    }
}
