namespace SmtpCollector.Protocol.Lmtp;

/// <summary>What a reply means for an operator counting them: a closed set of words, one per kind of outcome.</summary>
public static class ReplyReasons
{
    public static string Of(Reply reply) => (reply.Code, reply.Enhanced) switch
    {
        ( < 400, _) => "ok",
        (_, "5.3.4") => "size",
        (_, "5.1.2") => "domain",
        (500 or 501 or 503 or 553 or 555, _) => "syntax",
        (_, "4.4.2") => "timeout",
        (452, "4.3.1") => "budget",
        (452, "4.5.3") => "recipients",
        (451, "4.4.3") => "sink_unavailable",
        (451, "4.3.0") => "sink_failed",
        (421, "4.3.2") => "connections",
        _ => "other",
    };
}
