using Akka.Actor;
using Akka.Event;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Lmtp;

// What the session does on time: the idle timeouts (a whole command; the next bytes of a message; the short one under
// stress), the message deadline, and the retries while it waits for room in the in-flight budget.
public sealed partial class LmtpSessionActor
{
    private void UpdateTimers(bool progressed)
    {
        var reading = _core!.ReadingMessage;
        var modeChanged = reading != _readingMessage;
        if (modeChanged)
        {
            // A message must arrive whole within its deadline, however steadily its bytes come.
            if (reading)
                Timers.StartSingleTimer(MessageDeadlineKey, MessageDeadlinePassed.Instance, _settings.MessageDeadline);
            else
                Timers.Cancel(MessageDeadlineKey);
            _readingMessage = reading;
        }
        // Waiting for memory is bounded by in_flight_wait_seconds, storing by the sink's deadline.
        if (_wait is not (ConnectionWait.Input or ConnectionWait.RepliesRead))
            Timers.Cancel(IdleTimerKey);
        else if (progressed || modeChanged || !Timers.IsTimerActive(IdleTimerKey))
            RestartIdleTimer();
    }

    private void OnRetryBudget()
    {
        if (_wait != ConnectionWait.Memory)
            return;
        if (_budgetDeadline is { } deadline && DateTime.UtcNow >= deadline)
        {
            _log.Warning("Memory budget for messages in flight ({0} bytes) exhausted for {1}; message from {2} will get 452", _budget.Capacity, _settings.InFlightWait, _peer);
            _core!.GiveUpOnMemory();
        }
        Run();
    }

    private void OnIdle()
    {
        if (_wait is ConnectionWait.Sink or ConnectionWait.Memory)
            return;
        _log.Info("idle timeout for {0} in state {1}", _peer, _core!.Session.State);
        _core.Close(Replies.IdleTimeout);
        Close();
    }

    private void OnMessageDeadline()
    {
        if (!_core!.ReadingMessage || _wait is ConnectionWait.Sink or ConnectionWait.Memory)
            return;
        _log.Info("message deadline passed for {0}: {1} bytes received", _peer, _core.Intake.Length);
        _core.Close(Replies.IdleTimeout);
        Close();
    }

    private void RestartIdleTimer()
    {
        var commandTimeout = _underStress && _settings.StressCommandIdleTimeout < _settings.CommandIdleTimeout
            ? _settings.StressCommandIdleTimeout
            : _settings.CommandIdleTimeout;
        var timeout = _core!.ReadingMessage ? _settings.DataIdleTimeout : commandTimeout;
        Timers.StartSingleTimer(IdleTimerKey, IdleTimedOut.Instance, timeout);
    }

    private const string IdleTimerKey = "idle";
    private const string MessageDeadlineKey = "message-deadline";
    private const string BudgetTimerKey = "budget";
    private const string SinkSilentKey = "sink-silent";

    private sealed record SinkSilent(ReceivedMessage Message);

    private sealed record MessageDeadlinePassed
    {
        public static readonly MessageDeadlinePassed Instance = new();
    }

    private sealed record IdleTimedOut
    {
        public static readonly IdleTimedOut Instance = new();
    }

    private sealed record RetryBudget
    {
        public static readonly RetryBudget Instance = new();
    }
}
