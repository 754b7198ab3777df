using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Host.Hosting;

/// <summary>What the status page and <c>/api/status</c> show: the trap's activity, the broker link, memory in flight. No secrets: the
/// broker is named by address, never by identity or secret.</summary>
public sealed record StatusReport(
    DateTimeOffset Now,
    DateTimeOffset Started,
    double SilenceWarningMinutes,
    bool Silent,
    DateTimeOffset? LastMessage,
    double? SecondsSinceLastMessage,
    int LastMinute,
    int LastHour,
    int LastDay,
    long Stored,
    long Deferred,
    long Refused,
    long InFlightBytes,
    long InFlightLimit,
    BrokerLink? Broker,
    int? Window,
    IReadOnlyList<MessageSeen> Recent,
    IReadOnlyList<KeyValuePair<string, int>> TopRecipientDomains,
    IReadOnlyList<KeyValuePair<string, int>> TopClientAddresses)
{
    public static StatusReport From(TrapActivity activity, CollectorMetrics metrics, InFlightBudget budget, TimeSpan silenceWarning, int? window)
    {
        var seen = activity.Snapshot();
        var quietSince = seen.LastMessage ?? seen.Started;
        var since = seen.Now - quietSince;
        return new StatusReport(seen.Now, seen.Started, silenceWarning.TotalMinutes, since > silenceWarning, seen.LastMessage,
            seen.LastMessage is null ? null : Math.Round(since.TotalSeconds, 1), seen.LastMinute, seen.LastHour, seen.LastDay,
            seen.Stored, seen.Deferred, seen.Refused, budget.Used, budget.Capacity, metrics.Broker, window,
            seen.Recent, seen.TopDomains, seen.TopClients);
    }
}
