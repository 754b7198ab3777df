using Akka.Actor;
using Akka.Event;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// Keeps the listener's trap domains in step with the domains file that Postfix's front reads too, so that adding a
/// domain there never meets a collector that still refuses it (550, which Postfix would bounce and the mail be lost).
/// Polls rather than watching: a bind-mounted file edited on the host is replaced, not written in place, and inotify
/// does not cross into a container.
/// </summary>
public sealed class TrapDomainsFileActor : ReceiveActor, IWithTimers
{
    private readonly string _path;
    private readonly IReadOnlyList<string> _fixedDomains;
    private readonly IActorRef _listener;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private string _lastText;
    private bool _unreadable;

    public TrapDomainsFileActor(string path, IReadOnlyList<string> fixedDomains, string initialText, TimeSpan interval, IActorRef listener)
    {
        _path = path;
        _fixedDomains = fixedDomains;
        _lastText = initialText;
        _listener = listener;
        _interval = interval;
        Receive<Poll>(_ => OnPoll());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string path, IReadOnlyList<string> fixedDomains, string initialText, TimeSpan interval, IActorRef listener) =>
        Akka.Actor.Props.Create(() => new TrapDomainsFileActor(path, fixedDomains, initialText, interval, listener));

    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Poll.Instance, _interval);

    private void OnPoll()
    {
        string text;
        try
        {
            text = File.ReadAllText(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!_unreadable)
                _log.Warning("domains_file {0} cannot be read ({1}): keeping the trap domains as they were", _path, ex.Message);
            _unreadable = true;
            return;
        }

        _unreadable = false;
        if (text == _lastText)
            return;
        _lastText = text;
        try
        {
            var domains = new TrapDomains(_fixedDomains.Concat(TrapDomains.ParseList(text)));
            _listener.Tell(new UpdateTrapDomains(domains));
            _log.Info("trap domains reloaded from {0}: {1}", _path, domains.AcceptsAll ? "none listed, every domain accepted" : string.Join(", ", domains.Domains));
        }
        catch (ArgumentException ex)
        {
            _log.Error("domains_file {0}: {1}; keeping the trap domains as they were", _path, ex.Message);
        }
    }

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }
}
