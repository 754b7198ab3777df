namespace SmtpCollector.Actors.Telemetry;

/// <summary>One message as the status page shows it; nothing in it is trusted (it is all the sender's).</summary>
public sealed record MessageSeen(DateTimeOffset Time, string Sha256, long Size, string? Subject, string Sender, IReadOnlyList<string> Recipients,
    string? ClientAddress, string? ClientHelo, string Outcome, int Code);

/// <summary>What the trap has seen lately, for the status page: the last messages, arrivals per minute over a day, the
/// day's top recipient domains and client addresses. Written by the sessions, read by the HTTP endpoint: thread-safe,
/// bounded whatever arrives.</summary>
public sealed class TrapActivity(TimeProvider? time = null)
{
    public const int RecentCount = 50;
    private const int MaxKeysPerDay = 10_000;
    private const int Minutes = 24 * 60;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Queue<MessageSeen> _recent = new();
    private readonly int[] _perMinute = new int[Minutes];
    private readonly long[] _minuteOf = new long[Minutes];
    // The last minute by the second: a count by calendar minute would drop to 0 at every turn of the minute.
    private readonly int[] _perSecond = new int[60];
    private readonly long[] _secondOf = new long[60];
    private readonly Dictionary<string, int> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _clients = new(StringComparer.Ordinal);
    private DateOnly _day;
    private long _stored, _deferred, _refused;

    public DateTimeOffset Started { get; } = (time ?? TimeProvider.System).GetUtcNow();

    public DateTimeOffset? LastMessage { get; private set; }

    public void Record(MessageSeen message)
    {
        lock (_lock)
        {
            LastMessage = message.Time;
            _recent.Enqueue(message);
            if (_recent.Count > RecentCount)
                _recent.Dequeue();
            var minute = message.Time.ToUnixTimeSeconds() / 60;
            var slot = (int)(minute % Minutes);
            if (_minuteOf[slot] != minute)
                (_minuteOf[slot], _perMinute[slot]) = (minute, 0);
            _perMinute[slot]++;
            var second = message.Time.ToUnixTimeSeconds();
            var secondSlot = (int)(second % 60);
            if (_secondOf[secondSlot] != second)
                (_secondOf[secondSlot], _perSecond[secondSlot]) = (second, 0);
            _perSecond[secondSlot]++;
            if (message.Code < 400)
                _stored++;
            else if (message.Code < 500)
                _deferred++;
            else
                _refused++;
            NewDayIfDue(message.Time);
            foreach (var recipient in message.Recipients)
                Count(_domains, recipient[(recipient.LastIndexOf('@') + 1)..]);
            if (message.ClientAddress is { } client)
                Count(_clients, client);
        }
    }

    public ActivitySnapshot Snapshot()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            NewDayIfDue(now);
            return new ActivitySnapshot(now, Started, LastMessage, LastMinute(now), Arrived(now, 60), Arrived(now, Minutes),
                _stored, _deferred, _refused, [.. _recent.Reverse()], Top(_domains), Top(_clients));
        }
    }

    private int LastMinute(DateTimeOffset now)
    {
        var current = now.ToUnixTimeSeconds();
        var sum = 0;
        for (var i = 0; i < 60; i++)
        {
            if (_secondOf[(int)((current - i) % 60)] == current - i)
                sum += _perSecond[(int)((current - i) % 60)];
        }
        return sum;
    }

    private int Arrived(DateTimeOffset now, int minutes)
    {
        var current = now.ToUnixTimeSeconds() / 60;
        var sum = 0;
        for (var i = 0; i < minutes; i++)
        {
            var slot = (int)((current - i) % Minutes);
            if (_minuteOf[slot] == current - i)
                sum += _perMinute[slot];
        }
        return sum;
    }

    private void NewDayIfDue(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        if (day == _day)
            return;
        _day = day;
        _domains.Clear();
        _clients.Clear();
    }

    private static void Count(Dictionary<string, int> counts, string key)
    {
        if (counts.TryGetValue(key, out var n))
            counts[key] = n + 1;
        else if (counts.Count < MaxKeysPerDay)
            counts[key] = 1;
    }

    private static IReadOnlyList<KeyValuePair<string, int>> Top(Dictionary<string, int> counts) =>
        [.. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(10)];
}

public sealed record ActivitySnapshot(DateTimeOffset Now, DateTimeOffset Started, DateTimeOffset? LastMessage, int LastMinute, int LastHour, int LastDay,
    long Stored, long Deferred, long Refused, IReadOnlyList<MessageSeen> Recent, IReadOnlyList<KeyValuePair<string, int>> TopDomains,
    IReadOnlyList<KeyValuePair<string, int>> TopClients);
