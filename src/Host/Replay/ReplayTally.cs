namespace SmtpCollector.Host.Replay;

/// <summary>How far a replay is; updated by the answers as they come (any thread), read by the progress line.</summary>
public sealed class ReplayTally(int total)
{
    private readonly Lock _lock = new();
    private int _published;
    private int _failed;
    private int _missing;

    /// <summary>The earliest-received message not published: where a new replay should start.</summary>
    public ReplayItem? FirstNotPublished { get; private set; }

    public bool Stopped
    {
        get
        {
            lock (_lock)
                return FirstNotPublished is not null;
        }
    }

    public bool AllPublished
    {
        get
        {
            lock (_lock)
                return _published == total;
        }
    }

    public void Published()
    {
        lock (_lock)
            _published++;
    }

    public void Missing()
    {
        lock (_lock)
            _missing++;
    }

    public void NotPublished(ReplayItem item)
    {
        lock (_lock)
        {
            _failed++;
            StartAgainAt(item);
        }
    }

    /// <summary>Stopped by a signal before <paramref name="next"/> was handed out: neither published nor failed.</summary>
    public void Interrupted(ReplayItem next)
    {
        lock (_lock)
            StartAgainAt(next);
    }

    private void StartAgainAt(ReplayItem item)
    {
        if (FirstNotPublished is null || item.Envelope.ReceivedAt < FirstNotPublished.Envelope.ReceivedAt)
            FirstNotPublished = item;
    }

    public string Line()
    {
        lock (_lock)
        {
            var left = total - _published - _failed - _missing;
            return $"{_published}/{total} published, {_failed} not published, {_missing} missing, {left} to go";
        }
    }
}
