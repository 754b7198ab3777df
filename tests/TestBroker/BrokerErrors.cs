namespace SmtpCollector.TestBroker;

/// <summary>The ERROR texts of the reference broker (contract.md §2), word for word: clients and tests match on them.</summary>
public static class BrokerErrors
{
    public const string FirstMessageNotAuth = "First message was not AUTH";

    public const string BackpressureDeadlineExpired = "Backpressure deadline timer expired";

    public static string AuthenticationFailed(string ident) => $"Authentication failed for {ident}";

    public static string InvalidAuthkey(string ident) => $"Invalid authkey in message, ident={ident}";

    public static string NotAllowedToPublish(string ident, string channel) => $"Authkey not allowed to pub here. ident={ident}, chan={channel}";

    public static string NotAllowedToSubscribe(string ident, string channel) => $"Authkey not allowed to sub here. ident={ident}, chan={channel}";
}
