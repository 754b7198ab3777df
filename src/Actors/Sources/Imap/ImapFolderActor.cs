using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>
/// One mailbox's folder over a connection of its own: search, then one message at a time fetch its exact bytes, hand
/// them to the sink, and only once the sink said stored record the UID in the folder's state and mark it (\Seen, or
/// deleted with -d). One message in flight per folder is what bounds memory and lets a slow broker slow the fetching.
/// Every IMAP step is a task on the connection, piped back here; the connection is used by one task at a time.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor's end is PostStop, which cancels and disposes it.")]
public sealed partial class ImapFolderActor : ReceiveActor, IWithTimers
{
    private readonly MailboxSettings _mailbox;
    private readonly string _folder;
    private readonly ImapRunSettings _run;
    private readonly IActorRef _sink;
    private readonly ImapFolderTelemetry? _telemetry;
    private readonly string _statePath;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<(uint Uid, bool Published)> _queue = new();
    private FolderState _state = new();
    private ImapConnection? _connection;
    private readonly CancellationTokenSource _stopWaiting = new();
    private ReceivedMessage? _current;
    private uint _currentUid;
    private bool _stopping;
    private bool _passFailed;
    private bool _reportedPass;
    private int _published;
    private int _notPublished;
    private int _attempt;
    private string? _lastFailure;
    private bool _warnedNoUidPlus;

    /// <param name="telemetry">Where this folder reports its state and counts (metrics, /readyz, the status page); null for none.</param>
    public ImapFolderActor(MailboxSettings mailbox, string folder, ImapRunSettings run, IActorRef sink, ImapFolderTelemetry? telemetry = null)
    {
        _mailbox = mailbox;
        _folder = folder;
        _run = run;
        _sink = sink;
        _telemetry = telemetry;
        _statePath = Path.Combine(run.StateDirectory, StateFileName(mailbox, folder));
        Disconnected();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private string Name => $"{_mailbox.Name}/{_folder}";

    public static Props Props(MailboxSettings mailbox, string folder, ImapRunSettings run, IActorRef sink, ImapFolderTelemetry? telemetry = null) =>
        Akka.Actor.Props.Create(() => new ImapFolderActor(mailbox, folder, run, sink, telemetry));

    /// <summary>user@host:port/folder made safe as a file name, readable for an operator who looks in the state directory.</summary>
    public static string StateFileName(MailboxSettings mailbox, string folder) =>
        string.Concat($"{mailbox.Username}@{mailbox.Host}_{mailbox.Port}_{folder}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' ? c : '_')) + ".state";

    protected override void PreStart()
    {
        try
        {
            Directory.CreateDirectory(_run.StateDirectory);
            _state = FolderState.Load(_statePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // Without its state the folder cannot tell what it already published: it must not guess.
            _log.Error("{0}: cannot read the state file {1}: {2}; this folder is not collected", Name, _statePath, ex.Message);
            _telemetry?.Closed("not collected", $"cannot read the state file: {ex.Message}");
            _passFailed = true;
            _stopping = true;
            ReportPass();
            return;
        }
        Self.Tell(new Connect());
    }

    protected override void PostStop()
    {
        _stopWaiting.Cancel();
        _stopWaiting.Dispose();
        if (_connection is not null)
        {
            // Restarted after a bug, or the system going down: the connection goes with this instance.
            _telemetry?.Closed("stopped");
            _connection.Dispose();
        }
    }

    // Not connected: connecting, or waiting for the next attempt.
    private void Disconnected()
    {
        Receive<Connect>(_ =>
        {
            if (_stopping)
                return;
            var mailbox = _mailbox;
            var folder = _folder;
            var timeout = _run.CommandTimeout;
            ImapConnection.OpenAsync(mailbox, folder, timeout, CancellationToken.None)
                .PipeTo(Self, success: c => new Opened(c), failure: ex => new StepFailed("connecting", ex));
        });
        Receive<Opened>(OnOpened);
        Receive<StepFailed>(OnStepFailed);
        ReceiveStop();
    }

    private void OnOpened(Opened opened)
    {
        if (_stopping)
        {
            opened.Connection.Dispose();
            return;
        }
        _connection = opened.Connection;
        _telemetry?.Connected();
        if (_attempt > 0)
            _log.Info("{0}: connected again after {1} failed attempts", Name, _attempt);
        _attempt = 0;
        _lastFailure = null;
        var uidValidity = opened.Connection.Folder.UidValidity;
        if (_state.ResetIfChanged(uidValidity))
            _log.Warning("{0}: UIDVALIDITY changed to {1}: the server renumbered the folder, so it is read again from the start (messages may be published twice, none is lost)", Name, uidValidity);
        if (_run.Delete && !_connection.HasUidPlus && !_warnedNoUidPlus)
        {
            _warnedNoUidPlus = true;
            _log.Warning("{0}: the server has no UIDPLUS: published messages are flagged \\Deleted and expunging them is left to the server (a plain EXPUNGE would also remove other clients' deleted mail)", Name);
        }
        if (_run.Continuous && !_connection.CanIdle)
            _log.Info("{0}: the server offers no IDLE: polling every {1} s", Name, _mailbox.PollInterval.TotalSeconds);
        Become(Connected);
        Search();
    }

    private void OnStepFailed(StepFailed failed)
    {
        var reason = $"{failed.Step}: {Describe(failed.Cause)}";
        _telemetry?.Failed(Cause(failed.Cause), reason);
        _connection?.Dispose();
        _connection = null;
        _current = null;
        _queue.Clear();
        Become(Disconnected);
        if (_stopping)
        {
            _telemetry?.Closed("stopped");
            Context.Parent.Tell(new FolderStopped(Name));
            return;
        }
        _attempt++;
        if (!_run.Continuous && (IsPermanent(failed.Cause) || _attempt >= _run.OnePassAttempts))
        {
            // Retrying a refused login or a bad certificate within one pass cannot help; the next run tries again.
            _log.Warning("{0}: {1}; this folder is not collected in this pass", Name, reason);
            _telemetry?.Closed("not collected in this pass", reason);
            _passFailed = true;
            ReportPass();
            return;
        }
        if (reason != _lastFailure)
            _log.Warning("{0}: {1}; retrying with backoff (said once per series of failed attempts)", Name, reason);
        else
            _log.Debug("{0}: attempt {1}: {2}", Name, _attempt, reason);
        _lastFailure = reason;
        Timers.StartSingleTimer("reconnect", new Connect(), ReconnectBackoff.Delay(_attempt - 1, _run.MinBackoff, _run.MaxBackoff));
    }

    private void ReceiveStop() => Receive<StopCollecting>(_ =>
    {
        _stopping = true;
        Timers.CancelAll();
        _stopWaiting.Cancel();
        // Between steps (waiting to reconnect, or after a finished pass) nothing is half done.
        if (_connection is null || _reportedPass)
        {
            _connection?.Dispose();
            _connection = null;
            _telemetry?.Closed("stopped");
            Context.Parent.Tell(new FolderStopped(Name));
        }
    });

    private void ReportPass()
    {
        if (_run.Continuous || _reportedPass)
            return;
        _reportedPass = true;
        Context.Parent.Tell(new FolderPassFinished(Name, !_passFailed && _notPublished == 0, _published, _notPublished));
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            _telemetry?.Closed("pass finished");
            connection.CloseAsync().ContinueWith(_ => connection.Dispose(), TaskScheduler.Default);
        }
    }

    private static ImapErrorCause Cause(Exception cause) => cause switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Cause(aggregate.InnerExceptions[0]),
        MailKit.Security.AuthenticationException => ImapErrorCause.Login,
        MailKit.Security.SslHandshakeException => ImapErrorCause.Tls,
        _ => ImapErrorCause.Connection,
    };

    private static bool IsPermanent(Exception cause) =>
        cause is MailKit.Security.AuthenticationException or MailKit.Security.SslHandshakeException or NotSupportedException
            or MailKit.FolderNotFoundException or UnauthorizedAccessException or IOException { InnerException: UnauthorizedAccessException };

    private static string Describe(Exception cause) => cause switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
        MailKit.Security.AuthenticationException => $"login refused: {cause.Message}",
        MailKit.Security.SslHandshakeException => $"TLS failed: {cause.Message.Split('\n')[0]}",
        MailKit.Net.Imap.ImapCommandException command => $"server said {command.Response}: {command.ResponseText}",
        _ => $"{cause.GetType().Name}: {cause.Message}",
    };

    private sealed record Connect;

    private sealed record Opened(ImapConnection Connection);

    private sealed record StepFailed(string Step, Exception Cause);

    private static MessageEnvelope Envelope(MailboxSettings mailbox, string folder) =>
        new("", [mailbox.Username], ImmutableDictionary<string, string>.Empty, null, $"imap://{mailbox.Name}/{folder}", DateTimeOffset.UtcNow);
}
