using System.Buffers;
using System.Security.Cryptography;
using MimeKit;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Protocol.Summary;

/// <summary>
/// Summarises a message with MimeKit, within limits set for hostile input: spam is written by whoever wants to break
/// the parser that reads it. Never throws: what it cannot summarise is a <see cref="MessageSummary.Error"/>. Runs after
/// the message is hashed, over the same bytes, which it never changes.
/// </summary>
public static class MessageSummarizer
{
    /// <summary>MIME nesting MimeKit follows; deeper parts are not parsed (MimeKit's own default is 1024, which a crafted message reaches cheaply).</summary>
    public const int MaxMimeDepth = 32;

    /// <summary>
    /// MimeKit has no limit of its own on a header's length, and the whole header block is held as objects: a message
    /// whose top-level header block is longer than this is not parsed at all.
    /// </summary>
    public const int MaxHeaderBlockBytes = 1024 * 1024;

    /// <summary>Attachments listed at most; a message with more is marked.</summary>
    public const int MaxAttachments = 1000;

    private static readonly ParserOptions Options = new()
    {
        MaxMimeDepth = MaxMimeDepth,
        MaxAddressGroupDepth = 3,
    };

    public static MessageSummary Summarise(MessageBody body)
    {
        try
        {
            var bytes = body.ToSequence();
            if (!HeaderBlockWithinLimit(bytes))
                return MessageSummary.Failed($"header block longer than {MaxHeaderBlockBytes} bytes: not parsed");
            using var stream = new SequenceStream(bytes);
            // Persistent: a part's content stays a window on the message's own blocks instead of being copied out.
            var message = new MimeParser(Options, stream, persistent: true).ParseMessage();
            var attachments = new List<AttachmentSummary>();
            string? limit = null;
            foreach (var part in message.BodyParts)
            {
                if (part is not MimePart { Content: not null } leaf || !(leaf.IsAttachment || leaf.FileName is not null))
                    continue;
                if (attachments.Count == MaxAttachments)
                {
                    limit = $"more than {MaxAttachments} attachments: the first {MaxAttachments} listed";
                    break;
                }
                attachments.Add(Attachment(leaf));
            }
            if (limit is null && Depth(message.Body, 0) >= MaxMimeDepth)
                limit = $"MIME nesting deeper than {MaxMimeDepth}: the deeper parts not parsed";
            return new MessageSummary(
                message.Subject,
                message.From.Count > 0 ? message.From.ToString() : null,
                message.To.Count > 0 ? message.To.ToString() : null,
                message.Headers.Contains(HeaderId.Date) ? message.Date : null,
                message.MessageId,
                attachments,
                limit);
        }
#pragma warning disable CA1031 // Whatever MimeKit throws on a hostile message, the message still goes out, marked.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return MessageSummary.Failed($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static AttachmentSummary Attachment(MimePart part)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sink = new HashingStream(hash);
        var content = part.Content!;
        if (content.Encoding == ContentEncoding.UUEncode && content.Stream is { CanSeek: true } raw)
        {
            raw.Position = 0;
            UuDecoder.Decode(raw, sink);
        }
        else
        {
            content.DecodeTo(sink);
        }
        return new AttachmentSummary(part.FileName, part.ContentType.MimeType, sink.Length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static int Depth(MimeEntity? entity, int depth) => entity switch
    {
        Multipart multipart when depth < MaxMimeDepth + 1 => multipart.Count == 0 ? depth + 1 : multipart.Max(child => Depth(child, depth + 1)),
        MessagePart { Message: { } inner } when depth < MaxMimeDepth + 1 => Depth(inner.Body, depth + 1),
        _ => depth,
    };

    /// <summary>Whether the top-level header block (up to the first empty line) is at most <see cref="MaxHeaderBlockBytes"/> long.</summary>
    private static bool HeaderBlockWithinLimit(ReadOnlySequence<byte> bytes)
    {
        if (bytes.Length <= MaxHeaderBlockBytes)
            return true;
        var head = bytes.Slice(0, MaxHeaderBlockBytes + 4);
        return new SequenceReader<byte>(head).TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: false)
            || new SequenceReader<byte>(head).TryReadTo(out ReadOnlySequence<byte> _, "\n\n"u8, advancePastDelimiter: false);
    }
}
