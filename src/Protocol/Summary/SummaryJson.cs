using System.Globalization;
using System.Text.Json;

namespace SmtpCollector.Protocol.Summary;

/// <summary>The payload's <c>summary</c> object: absent values are null; <c>limit</c> and <c>error</c> appear only when set.</summary>
public static class SummaryJson
{
    public static void Write(Utf8JsonWriter writer, MessageSummary summary)
    {
        writer.WriteStartObject();
        if (summary.Error is not null)
        {
            writer.WriteString("error"u8, summary.Error);
            writer.WriteEndObject();
            return;
        }
        writer.WriteString("subject"u8, summary.Subject);
        writer.WriteString("from"u8, summary.From);
        writer.WriteString("to"u8, summary.To);
        if (summary.Date is { } date)
            writer.WriteString("date"u8, date.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture));
        else
            writer.WriteNull("date"u8);
        writer.WriteString("message_id"u8, summary.MessageId);
        writer.WriteStartArray("attachments"u8);
        foreach (var attachment in summary.Attachments)
        {
            writer.WriteStartObject();
            writer.WriteString("filename"u8, attachment.FileName);
            writer.WriteString("content_type"u8, attachment.ContentType);
            writer.WriteNumber("size"u8, attachment.Size);
            writer.WriteString("sha256"u8, attachment.Sha256);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (summary.Limit is not null)
            writer.WriteString("limit"u8, summary.Limit);
        writer.WriteEndObject();
    }
}
