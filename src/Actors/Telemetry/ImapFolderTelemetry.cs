using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Telemetry;

/// <summary>
/// One IMAP folder's state and counts, written by its actor (which owns the connection) and read by the HTTP endpoint
/// and the metrics' collection: a lock, not actor state, so nobody reads an actor's fields from another thread.
/// </summary>
public sealed class ImapFolderTelemetry
{
    internal const string Source = "imap";
    private static readonly KeyValuePair<string, object?> SourceTag = new("source", Source);

    private readonly ImapMailboxes _owner;
    private readonly CollectorMetrics _metrics;
    private readonly TrapActivity? _activity;
    private readonly Lock _lock = new();
    private string _state = "connecting";
    private bool _loggedIn;
    private DateTimeOffset _since = DateTimeOffset.UtcNow;
    private string? _lastError;
    private long _fetched;
    private long _published;

    internal ImapFolderTelemetry(string mailbox, string folder, ImapMailboxes owner, CollectorMetrics metrics, TrapActivity? activity)
    {
        (Mailbox, Folder, _owner, _metrics, _activity) = (mailbox, folder, owner, metrics, activity);
        Tags = [new("mailbox", mailbox), new("folder", folder)];
    }

    public string Mailbox { get; }

    public string Folder { get; }

    internal KeyValuePair<string, object?>[] Tags { get; }

    internal bool LoggedIn
    {
        get
        {
            lock (_lock)
                return _loggedIn;
        }
    }

    /// <summary>Logged in, the folder open.</summary>
    public void Connected() => Set("logged in", loggedIn: true, error: null);

    /// <summary>A connection failed or was lost; <paramref name="reason"/> is the collector's own words (no secret: it never holds the password).</summary>
    public void Failed(ImapErrorCause cause, string reason)
    {
        _owner.Errors.Add(1, [.. Tags, new("cause", cause.ToString().ToLowerInvariant())]);
        Set(cause == ImapErrorCause.Login ? "login refused" : "down", loggedIn: false, reason);
    }

    /// <summary>Not collected any more: the pass is over, the collector is stopping, or the folder cannot be collected (<paramref name="reason"/>).</summary>
    public void Closed(string state, string? reason = null) => Set(state, loggedIn: false, reason);

    public void Fetched(long bytes)
    {
        _owner.MessagesFetched.Add(1, Tags);
        _metrics.MessagesReceived.Add(1, SourceTag);
        _metrics.BytesReceived.Add(bytes, SourceTag);
        lock (_lock)
            _fetched++;
    }

    /// <summary>The sink's answer for a fetched message: <paramref name="refused"/> null when it was stored.</summary>
    public void Answered(string sha256, long size, string? subject, string recipient, NotStoredReason? refused, string outcome)
    {
        if (refused is { } reason)
            _metrics.MessagesNotStored.Add(1, SourceTag, new("reason", reason.ToString().ToLowerInvariant()));
        else
        {
            _metrics.MessagesStored.Add(1, SourceTag, _metrics.Sink);
            lock (_lock)
                _published++;
        }
        // As an LMTP reply would have said it: stored, refused for good (too large), or left for later.
        var code = refused switch { null => 250, NotStoredReason.TooLarge => 552, _ => 451 };
        _activity?.Record(new MessageSeen(DateTimeOffset.UtcNow, sha256, size, subject, "", [recipient], null, null, outcome, code));
    }

    internal ImapFolderStatus Status()
    {
        lock (_lock)
            return new ImapFolderStatus(Mailbox, Folder, _state, _loggedIn, _since, _lastError, _fetched, _published);
    }

    private void Set(string state, bool loggedIn, string? error)
    {
        lock (_lock)
        {
            if (loggedIn != _loggedIn || state != _state)
                _since = DateTimeOffset.UtcNow;
            (_state, _loggedIn) = (state, loggedIn);
            // Kept once connected again: "last error" is what an operator looks for after a flap.
            if (error is not null)
                _lastError = error;
        }
    }
}
