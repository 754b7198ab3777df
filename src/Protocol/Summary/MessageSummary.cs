namespace SmtpCollector.Protocol.Summary;

/// <summary>One attachment: its name and type as the message gives them, and the size and SHA-256 of its decoded content.</summary>
public sealed record AttachmentSummary(string? FileName, string ContentType, long Size, string Sha256);

/// <summary>
/// What is inside a message (the payload's <c>summary</c> object): header fields decoded to UTF-8, and its attachments.
/// <see cref="Error"/> is set, and the rest empty, when the message could not be summarised; <see cref="Limit"/> says
/// which limit cut a summary short (the parts beyond it are not listed).
/// </summary>
public sealed record MessageSummary(
    string? Subject,
    string? From,
    string? To,
    DateTimeOffset? Date,
    string? MessageId,
    IReadOnlyList<AttachmentSummary> Attachments,
    string? Limit = null,
    string? Error = null)
{
    public static MessageSummary Failed(string error) => new(null, null, null, null, null, [], Error: error);
}
