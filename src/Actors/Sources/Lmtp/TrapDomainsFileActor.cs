using Akka.Actor;
using Akka.Event;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// Keeps the listener's trap domains in step with the domains file that Postfix's front reads too, so that adding a
/// domain there never meets a collector that still refuses it (550, which Postfix would bounce and the mail be lost).
/// Polls rather than watching: a bind-mounted file edited on the host is replaced, not written in place, and inotify
/// does not cross into a container. A domain removed from the file stays accepted for a grace period
/// (<see cref="TrapDomains.Replace"/>); when the grace ends the listener gets the list without it, so that the log says so.
/// </summary>
public sealed class TrapDomainsFileActor : ReceiveActor, IWithTimers
{
    private readonly string _path;
    private IReadOnlyList<string> _fixedDomains;
    private readonly IActorRef _listener;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private readonly TimeSpan _grace;
    private readonly TimeProvider _clock;
    private string _lastText;
    private bool _unreadable;
    private TrapDomains _current;

    public TrapDomainsFileActor(string path, IReadOnlyList<string> fixedDomains, string initialText, TimeSpan interval, TimeSpan grace,
        IActorRef listener, TimeProvider? clock)
    {
        _path = path;
        _fixedDomains = fixedDomains;
        _lastText = initialText;
        _listener = listener;
        _interval = interval;
        _grace = grace;
        _clock = clock ?? TimeProvider.System;
        // The list the listener started with (the configuration checked it already).
        _current = new TrapDomains(fixedDomains.Concat(TrapDomains.ParseList(initialText)));
        Receive<Poll>(_ => Reread(reload: false));
        Receive<ReloadTrapDomains>(reload =>
        {
            _fixedDomains = reload.FixedDomains;
            Sender.Tell(Reread(reload: true));
        });
        Receive<GraceOver>(_ => OnGraceOver());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="grace">How long a domain removed from the file is still accepted; zero: not at all.</param>
    /// <param name="clock">Where the grace periods are read from; the system's clock by default (tests pass their own).</param>
    public static Props Props(string path, IReadOnlyList<string> fixedDomains, string initialText, TimeSpan interval, TimeSpan grace,
        IActorRef listener, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new TrapDomainsFileActor(path, fixedDomains, initialText, interval, grace, listener, clock));

    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Poll.Instance, _interval);

    /// <param name="reload">A reload asked for it: read even when the file is unchanged (the configuration's list may have
    /// changed), and leave the log line to the reload, which says what changed in one line.</param>
    private TrapDomainsReloaded Reread(bool reload)
    {
        string text;
        try
        {
            text = File.ReadAllText(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!_unreadable && !reload)
                _log.Warning("domains_file {0} cannot be read ({1}): keeping the trap domains as they were", _path, ex.Message);
            _unreadable = true;
            return new TrapDomainsReloaded([], [], $"domains_file {_path} cannot be read ({ex.Message})");
        }

        _unreadable = false;
        if (text == _lastText && !reload)
            return new TrapDomainsReloaded([], []);
        _lastText = text;
        var before = _current;
        try
        {
            _current = _current.Replace(_fixedDomains.Concat(TrapDomains.ParseList(text)), _grace, _clock);
        }
        catch (ArgumentException ex)
        {
            if (!reload)
                _log.Error("domains_file {0}: {1}; keeping the trap domains as they were", _path, ex.Message);
            return new TrapDomainsReloaded([], [], $"domains_file {_path}: {ex.Message}");
        }
        _listener.Tell(new UpdateTrapDomains(_current));
        if (!reload)
        {
            var leaving = _current.Leaving.Count == 0 ? ""
                : "; no longer listed but still accepted: " + string.Join(", ", _current.Leaving.Select(l => $"{l.Domain} until {l.Until.UtcDateTime:HH:mm:ss}Z"));
            _log.Info("trap domains reloaded from {0}: {1}{2}", _path, _current.AcceptsAll ? "none listed, every domain accepted" : string.Join(", ", _current.Domains), leaving);
        }
        ScheduleGraceOver();
        return new TrapDomainsReloaded(_current.Domains.Except(before.Domains).ToArray(), before.Domains.Except(_current.Domains).ToArray());
    }

    private void ScheduleGraceOver()
    {
        if (_current.Leaving.Count == 0)
        {
            Timers.Cancel("grace");
            return;
        }
        var due = _current.Leaving.Min(l => l.Until) - _clock.GetUtcNow();
        Timers.StartSingleTimer("grace", GraceOver.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    // The listener's list refuses these domains already (it reads the clock); this only drops them and says so in the log.
    private void OnGraceOver()
    {
        var now = _clock.GetUtcNow();
        var over = _current.Leaving.Where(l => l.Until <= now).Select(l => l.Domain).ToArray();
        if (over.Length > 0)
        {
            _current = _current.WithoutExpired(now);
            _listener.Tell(new UpdateTrapDomains(_current));
            _log.Info("trap domains: grace over, no longer accepted: {0}", string.Join(", ", over));
        }
        ScheduleGraceOver();
    }

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }

    private sealed record GraceOver
    {
        public static GraceOver Instance { get; } = new();
    }
}
