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
        Message = "message sha256={Sha256} size={Size} recipients={Recipients} peer={Peer} client={Client} outcome={Outcome} reply={Code} {Enhanced}")]
    public static partial void MessageDelivered(this ILogger logger, string sha256, long size, string recipients, string peer, string client,
        string outcome, int code, string? enhanced);
}
