using Akka.Actor;
using Akka.Event;

namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>
/// Applies <see cref="ArchiveRetention"/> every <see cref="ArchiveRetentionSettings.Interval"/>, on a pool thread: a
/// pass over a large archive never holds up the archive sink, which goes on writing meanwhile (retention only removes
/// files it listed, the sink only adds new ones). One pass at a time.
/// </summary>
public sealed class ArchiveRetentionActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _directory;
    private readonly ArchiveRetentionSettings _settings;
    private bool _running;

    public ArchiveRetentionActor(string directory, ArchiveRetentionSettings settings)
    {
        _directory = directory;
        _settings = settings;
        Receive<Tick>(_ => Run());
        Receive<Passed>(passed =>
        {
            _running = false;
            if (passed.Pass.Removed > 0)
                _log.Info("archive retention: removed {0} messages ({1} bytes) from {2}, kept {3} ({4} bytes)",
                    passed.Pass.Removed, passed.Pass.RemovedBytes, _directory, passed.Pass.Kept, passed.Pass.KeptBytes);
        });
        Receive<Failed>(failed =>
        {
            _running = false;
            _log.Error(failed.Cause, "archive retention in {0} failed; retried in {1}", _directory, _settings.Interval);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string directory, ArchiveRetentionSettings settings) =>
        Akka.Actor.Props.Create(() => new ArchiveRetentionActor(directory, settings));

    protected override void PreStart()
    {
        _log.Info("archive retention for {0}: max age {1}, max bytes {2}, every {3}", _directory,
            _settings.MaxAge?.ToString() ?? "none", _settings.MaxBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none", _settings.Interval);
        Self.Tell(Tick.Instance);
        Timers.StartPeriodicTimer("retention", Tick.Instance, _settings.Interval);
    }

    private void Run()
    {
        if (_running)
            return;
        _running = true;
        var (directory, settings) = (_directory, _settings);
        Task.Run(() => ArchiveRetention.Apply(directory, settings, DateTimeOffset.UtcNow))
            .PipeTo(Self, success: pass => new Passed(pass), failure: ex => new Failed(ex));
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Passed(RetentionPass Pass);

    private sealed record Failed(Exception Cause);
}
