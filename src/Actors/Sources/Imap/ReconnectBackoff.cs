namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>Capped exponential backoff with jitter, so that many mailboxes failing together do not retry in step.</summary>
public static class ReconnectBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max)
    {
        var exponential = min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        // ±20%: enough to spread retries, not so much that the cap stops meaning anything.
        var jittered = capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(jittered);
    }
}
