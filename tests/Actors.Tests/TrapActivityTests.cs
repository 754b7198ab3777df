using SmtpCollector.Actors.Telemetry;
using Xunit;

namespace SmtpCollector.Actors.Tests;

public sealed class TrapActivityTests
{
    private static MessageSeen Seen(DateTimeOffset at, int code = 250, string to = "v@trap.example", string? client = "192.0.2.1") =>
        new(at, "sha", 10, "subject", "s@example.net", [to], client, "helo.example", "stored", code);

    [Fact]
    public void Arrivals_are_counted_over_a_sliding_minute_the_hour_and_the_day()
    {
        var clock = new ManualClock();
        var activity = new TrapActivity(clock);
        activity.Record(Seen(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(50));
        activity.Record(Seen(clock.GetUtcNow()));

        var now = activity.Snapshot();
        Assert.Equal((2, 2, 2), (now.LastMinute, now.LastHour, now.LastDay));
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, activity.Snapshot().LastMinute);
        clock.Advance(TimeSpan.FromMinutes(61));
        var later = activity.Snapshot();
        Assert.Equal((0, 0, 2), (later.LastMinute, later.LastHour, later.LastDay));
        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromMinutes(61) - TimeSpan.FromSeconds(20), later.LastMessage);
    }

    [Fact]
    public void Keeps_the_last_fifty_newest_first_counts_outcomes_and_the_days_top_domains_and_clients()
    {
        var clock = new ManualClock();
        var activity = new TrapActivity(clock);
        for (var i = 0; i < 60; i++)
            activity.Record(Seen(clock.GetUtcNow(), code: i % 3 == 0 ? 451 : 250, to: i % 2 == 0 ? "a@one.example" : "b@two.example", client: $"192.0.2.{i % 4}"));
        activity.Record(Seen(clock.GetUtcNow(), code: 552));

        var seen = activity.Snapshot();
        Assert.Equal(TrapActivity.RecentCount, seen.Recent.Count);
        Assert.Equal(552, seen.Recent[0].Code);
        Assert.Equal((40L, 20L, 1L), (seen.Stored, seen.Deferred, seen.Refused));
        Assert.Equal(new KeyValuePair<string, int>("one.example", 30), seen.TopDomains[0]);
        Assert.Equal(16, seen.TopClients[0].Value);

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(activity.Snapshot().TopDomains);
    }
}
