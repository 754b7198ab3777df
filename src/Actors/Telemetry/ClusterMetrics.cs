using System.Diagnostics.Metrics;

namespace SmtpCollector.Actors.Telemetry;

/// <summary>
/// What a cluster node adds to /metrics: messages that crossed nodes, each way, and how many peers' publishers it could
/// send to. A meter of the same name as <see cref="CollectorMetrics"/>, so the same exporter reads it; made only on a
/// cluster node, by its cluster sink, which alone writes it.
/// </summary>
public sealed class ClusterMetrics : IDisposable
{
    private readonly Meter _meter = new(CollectorMetrics.MeterName);
    private int _peerPublishers;

    public ClusterMetrics()
    {
        MessagesSent = _meter.CreateCounter<long>("smtp_collector.cluster.messages.sent", "{message}", "Messages sent to another node's publisher");
        MessagesTaken = _meter.CreateCounter<long>("smtp_collector.cluster.messages.taken", "{message}", "Messages taken from another node for this node's publisher");
        _meter.CreateObservableGauge("smtp_collector.cluster.peer_publishers", () => Volatile.Read(ref _peerPublishers), "{publisher}",
            "Other nodes whose publisher is connected and announced");
        // From the start at 0, as CollectorMetrics does: rate() misses a counter's first event otherwise.
        MessagesSent.Add(0);
        MessagesTaken.Add(0);
    }

    public Counter<long> MessagesSent { get; }

    public Counter<long> MessagesTaken { get; }

    public void PeerPublishers(int connected) => Volatile.Write(ref _peerPublishers, connected);

    public void Dispose() => _meter.Dispose();
}
