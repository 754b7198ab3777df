namespace SmtpCollector.Protocol.Payload;

public enum PayloadFormat
{
    /// <summary><c>{"sha256": hex, "msg": text}</c>, plus <c>msg_b64</c> when the message is not valid UTF-8 (contract.md §1).</summary>
    Json,
    /// <summary>The message bytes themselves.</summary>
    Raw,
}
