using System.Collections.Immutable;
using System.Text.Json;
using SmtpCollector.Actors.Sinks.Archive;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Host.Replay;

/// <summary>An archived message chosen for replay: its file, its envelope, when the collector received it.</summary>
public sealed record ReplayItem(string Path, MessageEnvelope Envelope, string? ArchivedSha256);

public static class ReplaySelection
{
    /// <summary>
    /// The archive's messages received in [<paramref name="since"/>, <paramref name="until"/>), oldest first. The time is
    /// the envelope's <c>received_at</c> (the archive keeps it to the tick); a message without an envelope file (put in the
    /// Maildir by someone else) is dated by its name or its modification time and replayed with an empty envelope.
    /// </summary>
    public static List<ReplayItem> Select(string maildir, DateTimeOffset? since, DateTimeOffset? until)
    {
        var chosen = new List<ReplayItem>();
        foreach (var file in ArchivedFile.List(maildir))
        {
            var (envelope, sha256) = ReadEnvelope(file);
            var at = envelope.ReceivedAt;
            if ((since is null || at >= since) && (until is null || at < until))
                chosen.Add(new ReplayItem(file.Path, envelope, sha256));
        }
        // The names order messages by when they were archived; replay goes by when they were received.
        return [.. chosen.OrderBy(item => item.Envelope.ReceivedAt)];
    }

    private static (MessageEnvelope Envelope, string? Sha256) ReadEnvelope(ArchivedFile file)
    {
        try
        {
            return ArchiveEnvelope.Parse(File.ReadAllBytes(file.EnvelopePath));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException or FormatException
            or KeyNotFoundException or InvalidOperationException)
        {
            return (new MessageEnvelope("", [], ImmutableDictionary<string, string>.Empty, null, "", file.ArchivedAt), null);
        }
    }
}
