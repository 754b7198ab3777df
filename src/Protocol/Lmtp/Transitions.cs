namespace SmtpCollector.Protocol.Lmtp;

/// <summary>The transition table: which verbs each state accepts, and the refusal for the others.</summary>
public static class Transitions
{
    public static Rejection? Check(LmtpState state, LmtpVerb verb) => (state, verb) switch
    {
        (_, LmtpVerb.Helo or LmtpVerb.Ehlo) => Rejection.NotLmtp,
        (_, LmtpVerb.Noop or LmtpVerb.Rset or LmtpVerb.Quit or LmtpVerb.Vrfy) => null,
        (LmtpState.Greeted, LmtpVerb.Lhlo or LmtpVerb.Xforward) => null,
        (LmtpState.Greeted, _) => Rejection.NeedLhlo,
        (_, LmtpVerb.Lhlo) => null,
        (LmtpState.Ready, LmtpVerb.Mail or LmtpVerb.Xforward) => null,
        (LmtpState.Ready, _) => Rejection.NeedMail,
        (LmtpState.Transaction, LmtpVerb.Mail) => Rejection.SenderAlreadyGiven,
        (LmtpState.Transaction, LmtpVerb.Xforward) => Rejection.XforwardInTransaction,
        (LmtpState.Transaction, LmtpVerb.Rcpt or LmtpVerb.Data or LmtpVerb.Bdat) => null,
        (LmtpState.Chunking, LmtpVerb.Bdat) => null,
        (LmtpState.Chunking, LmtpVerb.Data) => Rejection.DataInChunkTransaction,
        (LmtpState.Chunking, LmtpVerb.Mail) => Rejection.SenderAlreadyGiven,
        (LmtpState.Chunking, _) => Rejection.BadSequence,
        _ => throw new InvalidOperationException($"No command is read in state {state}."),
    };
}
