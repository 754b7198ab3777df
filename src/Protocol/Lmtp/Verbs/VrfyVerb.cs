namespace SmtpCollector.Protocol.Lmtp;

public sealed partial class LmtpSession
{
    // A trap accepts every mailbox, so there is nothing to verify; 252 is the RFC 5321 answer for that.
    private static SessionStep Vrfy(string argument) =>
        argument.Length == 0 ? SessionStep.Refuse(Rejection.SyntaxError) : SessionStep.Reply(Replies.CannotVerify);
}
