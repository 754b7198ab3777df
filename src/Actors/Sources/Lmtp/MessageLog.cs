using Microsoft.Extensions.Logging;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// The operator's line per message, in its own category so that it can be filtered. Written straight to
/// Microsoft.Extensions.Logging rather than through Akka's logging, which would be one more actor hop per message (its
/// logger actor) and would prefix the line with a second timestamp and the session's actor path.
/// </summary>
public static partial class MessageLog
{
    public const string Category = "SmtpCollector.Messages";

    [LoggerMessage(EventId = 1, EventName = "MessageDelivered", Level = LogLevel.Information,
        Message = "message sha256={Sha256} size={Size} recipients={Recipients} peer={Peer} client={Client} outcome={Outcome} reply={Code} {Enhanced} subject={Subject}")]
    public static partial void MessageDelivered(this ILogger logger, string sha256, long size, string recipients, string peer, string client,
        string outcome, int code, string? enhanced, string subject);

    /// <summary>
    /// The subject as the sender wrote it, last on the line (so spaces need no quoting), with control characters escaped:
    /// a subject must not be able to move the operator's cursor or forge a second line. "-" when there is none.
    /// </summary>
    public static string Printable(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
            return "-";
        if (!subject.Any(char.IsControl))
            return subject;
        var text = new System.Text.StringBuilder(subject.Length + 8);
        foreach (var c in subject)
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return text.ToString();
    }
}
