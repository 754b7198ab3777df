using SmtpCollector.Protocol.Summary;

namespace SmtpCollector.Actors.Cluster;

/// <summary>
/// A message's summary (<c>summary: true</c>) as it crosses nodes: made once, where the message came in, so the node
/// that publishes it does not parse the message again. Field by field, as the rest of <see cref="RemoteStore"/>.
/// </summary>
internal static class SummaryWire
{
    public static void Write(BinaryWriter writer, MessageSummary? summary)
    {
        writer.Write(summary is not null);
        if (summary is null)
            return;
        WriteText(writer, summary.Subject);
        WriteText(writer, summary.From);
        WriteText(writer, summary.To);
        writer.Write(summary.Date is not null);
        if (summary.Date is { } date)
        {
            writer.Write(date.Ticks);
            writer.Write((short)date.Offset.TotalMinutes);
        }
        WriteText(writer, summary.MessageId);
        writer.Write(summary.Attachments.Count);
        foreach (var attachment in summary.Attachments)
        {
            WriteText(writer, attachment.FileName);
            writer.Write(attachment.ContentType);
            writer.Write(attachment.Size);
            writer.Write(attachment.Sha256);
        }
        WriteText(writer, summary.Limit);
        WriteText(writer, summary.Error);
    }

    public static MessageSummary? Read(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        var subject = ReadText(reader);
        var from = ReadText(reader);
        var to = ReadText(reader);
        DateTimeOffset? date = reader.ReadBoolean() ? new DateTimeOffset(reader.ReadInt64(), TimeSpan.FromMinutes(reader.ReadInt16())) : null;
        var messageId = ReadText(reader);
        var attachments = new AttachmentSummary[reader.ReadInt32()];
        for (var i = 0; i < attachments.Length; i++)
            attachments[i] = new AttachmentSummary(ReadText(reader), reader.ReadString(), reader.ReadInt64(), reader.ReadString());
        return new MessageSummary(subject, from, to, date, messageId, attachments, ReadText(reader), ReadText(reader));
    }

    public static void WriteText(BinaryWriter writer, string? text)
    {
        writer.Write(text is not null);
        if (text is not null)
            writer.Write(text);
    }

    public static string? ReadText(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
