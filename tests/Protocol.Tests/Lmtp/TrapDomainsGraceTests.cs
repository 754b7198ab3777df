using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Lmtp;

/// <summary>A domain removed from the domains file stays accepted for its grace period (Postfix's front reloads later).</summary>
public class TrapDomainsGraceTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);
    private readonly ManualClock _clock = new();

    private static Mailbox At(string domain) => Mailbox.TryParse("someone@" + domain)!;

    [Fact]
    public void A_removed_domain_and_its_subdomains_match_until_the_grace_ends_and_not_after()
    {
        var domains = new TrapDomains(["trap.example", "Leaving.Example"]).Replace(["trap.example"], Grace, _clock);

        Assert.Equal(["trap.example"], domains.Domains);
        Assert.True(domains.Matches(At("leaving.example")));
        Assert.True(domains.Matches(At("mx.leaving.example")));
        _clock.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.True(domains.Matches(At("leaving.example")));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(domains.Matches(At("leaving.example")));
        Assert.False(domains.Matches(At("mx.leaving.example")));
        Assert.True(domains.Matches(At("trap.example")));
    }

    [Fact]
    public void A_domain_never_listed_does_not_match_during_the_grace_of_another()
    {
        var domains = new TrapDomains(["trap.example", "leaving.example"]).Replace(["trap.example"], Grace, _clock);

        Assert.False(domains.Matches(At("other.example")));
        Assert.False(domains.Matches(At("eviltrapleaving.example")));
    }

    [Fact]
    public void With_no_grace_a_removed_domain_is_refused_at_once()
    {
        var domains = new TrapDomains(["trap.example", "leaving.example"]).Replace(["trap.example"], TimeSpan.Zero, _clock);

        Assert.False(domains.Matches(At("leaving.example")));
        Assert.Empty(domains.Leaving);
    }

    [Fact]
    public void A_domain_listed_again_stays_accepted_after_its_old_grace_would_have_ended()
    {
        var removed = new TrapDomains(["trap.example", "back.example"]).Replace(["trap.example"], Grace, _clock);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var back = removed.Replace(["trap.example", "back.example"], Grace, _clock);

        Assert.Empty(back.Leaving);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.True(back.Matches(At("back.example")));
    }

    [Fact]
    public void A_domain_removed_again_gets_a_fresh_grace()
    {
        var domains = new TrapDomains(["trap.example", "flaky.example"]).Replace(["trap.example"], Grace, _clock);
        _clock.Advance(TimeSpan.FromSeconds(30));
        domains = domains.Replace(["trap.example", "flaky.example"], Grace, _clock);
        _clock.Advance(TimeSpan.FromSeconds(10));
        domains = domains.Replace(["trap.example"], Grace, _clock);

        _clock.Advance(Grace - TimeSpan.FromSeconds(1)); // 99 s after the first removal, 59 s after the second
        Assert.True(domains.Matches(At("flaky.example")));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(domains.Matches(At("flaky.example")));
    }

    [Fact]
    public void A_later_reload_keeps_each_grace_as_it_was_and_adds_the_newly_removed()
    {
        var start = _clock.GetUtcNow();
        var domains = new TrapDomains(["trap.example", "first.example", "second.example"]).Replace(["trap.example", "second.example"], Grace, _clock);
        _clock.Advance(TimeSpan.FromSeconds(30));
        domains = domains.Replace(["trap.example"], Grace, _clock);

        Assert.Equal(
            [new LeavingDomain("second.example", start + TimeSpan.FromSeconds(90)), new LeavingDomain("first.example", start + Grace)],
            domains.Leaving);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(domains.Matches(At("first.example")));
        Assert.True(domains.Matches(At("second.example")));
    }

    [Fact]
    public void A_grace_that_ended_is_not_carried_into_the_next_list()
    {
        var domains = new TrapDomains(["trap.example", "gone.example"]).Replace(["trap.example"], Grace, _clock);
        _clock.Advance(Grace);
        domains = domains.Replace(["trap.example", "new.example"], Grace, _clock);

        Assert.Empty(domains.Leaving);
    }

    [Fact]
    public void Without_expired_drops_only_the_graces_that_ended()
    {
        var domains = new TrapDomains(["trap.example", "first.example", "second.example"]).Replace(["trap.example", "second.example"], Grace, _clock);
        _clock.Advance(TimeSpan.FromSeconds(30));
        domains = domains.Replace(["trap.example"], Grace, _clock);
        _clock.Advance(TimeSpan.FromSeconds(30)); // the first grace is over, the second has 30 s to go

        var pruned = domains.WithoutExpired(_clock.GetUtcNow());

        Assert.Equal(["second.example"], pruned.Leaving.Select(l => l.Domain));
        Assert.Same(pruned, pruned.WithoutExpired(_clock.GetUtcNow()));
    }

    [Fact]
    public void An_emptied_list_accepts_every_domain_as_before_and_keeps_no_grace()
    {
        var domains = new TrapDomains(["trap.example"]).Replace([], Grace, _clock);

        Assert.True(domains.AcceptsAll);
        Assert.Empty(domains.Leaving);
        Assert.True(domains.Matches(At("anything.example")));
    }

    [Fact]
    public void A_list_that_was_open_to_every_domain_leaves_nothing_in_grace_when_domains_are_listed()
    {
        // Postfix refuses every recipient when the file lists nothing, so it cannot have accepted mail for other domains.
        var domains = TrapDomains.Any.Replace(["trap.example"], Grace, _clock);

        Assert.Empty(domains.Leaving);
        Assert.False(domains.Matches(At("other.example")));
    }

    [Fact]
    public void A_new_list_with_a_bad_entry_is_refused_and_the_old_one_stands()
    {
        var domains = new TrapDomains(["trap.example"]);

        Assert.Throws<ArgumentException>(() => domains.Replace(["trap.example", "bad..example"], Grace, _clock));
        Assert.True(domains.Matches(At("trap.example")));
    }
}
