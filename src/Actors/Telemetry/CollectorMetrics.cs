using System.Diagnostics.Metrics;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Telemetry;

/// <summary>
/// The collector's instruments, on one <see cref="Meter"/> made per host (no static state: two collectors in one test
/// process count apart). Names follow Prometheus' conventions once exported (dots become underscores, counters get
/// <c>_total</c>, the unit a suffix); the exporter itself is the host's business. What the instruments read that actors
/// own (the broker link, the window) is published here by the actor as a plain volatile value.
/// </summary>
public sealed class CollectorMetrics : IDisposable
{
    public const string MeterName = "SmtpCollector";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _sink;
    private int _brokerConnected;
    private int _windowDepth;
    private int _brokerObserved;
    private long _brokerSinceTicks = DateTimeOffset.UtcNow.UtcTicks;
    private string? _brokerLastError;
    private string? _brokerName;
    private long _spooledMessages;
    private long _spooledBytes;
    private long _archivedMessages;
    private long _archivedBytes;

    /// <param name="sink">The main sink's kind (file, raw, hpfeeds), a label on what is stored.</param>
    public CollectorMetrics(string sink, IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _sink = new("sink", sink);
        MessagesReceived = _meter.CreateCounter<long>("smtp_collector.messages.received", "{message}", "Messages received whole, per source");
        BytesReceived = _meter.CreateCounter<long>("smtp_collector.received", "By", "Message bytes received whole, per source");
        MessagesStored = _meter.CreateCounter<long>("smtp_collector.messages.stored", "{message}", "Messages the sink confirmed, per source and sink");
        MessagesNotStored = _meter.CreateCounter<long>("smtp_collector.messages.not_stored", "{message}", "Messages the sink did not keep, per reason");
        LmtpReplies = _meter.CreateCounter<long>("smtp_collector.lmtp.replies", "{reply}", "LMTP replies, per code, enhanced code and reason");
        SessionsOpen = _meter.CreateUpDownCounter<long>("smtp_collector.lmtp.sessions", "{session}", "LMTP sessions open");
        ConnectionsRefused = _meter.CreateCounter<long>("smtp_collector.lmtp.connections.refused", "{connection}", "LMTP connections refused (421 4.3.2): every slot taken and none idle, or shutting down");
        ConnectionsEvicted = _meter.CreateCounter<long>("smtp_collector.lmtp.connections.evicted", "{connection}", "Idle LMTP connections closed (421 4.4.2) to admit a new one");
        SinkDuration = _meter.CreateHistogram<double>("smtp_collector.sink.duration", "s", "From the end of a message to the sink's answer",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        BrokerReconnects = _meter.CreateCounter<long>("smtp_collector.broker.connections", "{connection}", "Broker connections made");
        BrokerErrors = _meter.CreateCounter<long>("smtp_collector.broker.errors", "{error}", "Broker connections lost");
        MessagesSpooled = _meter.CreateCounter<long>("smtp_collector.messages.spooled", "{message}", "Messages over max_payload_bytes written to the spool directory instead of the broker");
        BytesSpooled = _meter.CreateCounter<long>("smtp_collector.spooled", "By", "Message bytes written to the spool directory");
        MessagesArchived = _meter.CreateCounter<long>("smtp_collector.messages.archived", "{message}", "Messages written to the Maildir archive");
        BytesArchived = _meter.CreateCounter<long>("smtp_collector.archived", "By", "Message bytes written to the Maildir archive");
    }

    /// <summary>
    /// Every series an alert or a rate() reads exists from the start at 0: a counter that appears only with its first
    /// event makes increase() and rate() miss that event. Called once the exporter listens (a measurement before that is lost).
    /// </summary>
    public void StartSeries()
    {
        var lmtp = new KeyValuePair<string, object?>("source", "lmtp");
        MessagesReceived.Add(0, lmtp);
        BytesReceived.Add(0, lmtp);
        MessagesStored.Add(0, lmtp, _sink);
        foreach (var reason in Enum.GetValues<NotStoredReason>())
            MessagesNotStored.Add(0, lmtp, new("reason", reason.ToString().ToLowerInvariant()));
        ConnectionsRefused.Add(0);
        ConnectionsEvicted.Add(0);
        MessagesSpooled.Add(0);
        BytesSpooled.Add(0);
        MessagesArchived.Add(0);
        BytesArchived.Add(0);
    }

    public Counter<long> MessagesReceived { get; }
    public Counter<long> BytesReceived { get; }
    public Counter<long> MessagesStored { get; }
    public Counter<long> MessagesNotStored { get; }
    public Counter<long> LmtpReplies { get; }
    public UpDownCounter<long> SessionsOpen { get; }
    public Counter<long> ConnectionsRefused { get; }
    public Counter<long> ConnectionsEvicted { get; }
    public Histogram<double> SinkDuration { get; }
    public Counter<long> BrokerReconnects { get; }
    public Counter<long> BrokerErrors { get; }
    public Counter<long> MessagesSpooled { get; }
    public Counter<long> BytesSpooled { get; }
    public Counter<long> MessagesArchived { get; }
    public Counter<long> BytesArchived { get; }

    /// <summary>A message of <paramref name="bytes"/> is safe in the oversize spool.</summary>
    public void Spooled(long bytes)
    {
        MessagesSpooled.Add(1);
        BytesSpooled.Add(bytes);
        Interlocked.Increment(ref _spooledMessages);
        Interlocked.Add(ref _spooledBytes, bytes);
    }

    /// <summary>A message of <paramref name="bytes"/> is safe in the Maildir archive.</summary>
    public void Archived(long bytes)
    {
        MessagesArchived.Add(1);
        BytesArchived.Add(bytes);
        Interlocked.Increment(ref _archivedMessages);
        Interlocked.Add(ref _archivedBytes, bytes);
    }

    /// <summary>Messages and bytes spooled since the start, for the status page.</summary>
    public (long Messages, long Bytes) SpooledSinceStart => (Interlocked.Read(ref _spooledMessages), Interlocked.Read(ref _spooledBytes));

    /// <summary>Messages and bytes archived since the start, for the status page.</summary>
    public (long Messages, long Bytes) ArchivedSinceStart => (Interlocked.Read(ref _archivedMessages), Interlocked.Read(ref _archivedBytes));

    public KeyValuePair<string, object?> Sink => _sink;

    /// <summary>Bytes of message blocks held and the budget for them, read when scraped.</summary>
    public void Observe(InFlightBudget budget)
    {
        _meter.CreateObservableGauge("smtp_collector.in_flight", () => budget.Used, "By", "Message bytes held in memory (received, not yet released by the sink)");
        _meter.CreateObservableGauge("smtp_collector.in_flight.limit", () => budget.Capacity, "By", "max_in_flight_bytes");
    }

    public void CountReplies(IReadOnlyList<Reply> replies)
    {
        foreach (var reply in replies)
            LmtpReplies.Add(1, new("code", reply.Code), new("enhanced", reply.Enhanced ?? ""), new("reason", ReplyReasons.Of(reply)));
    }

    /// <summary>The broker link's gauges, there only when a publisher is (without one, a 0 would read as a link down).</summary>
    /// <summary>
    /// The broker the publisher talks to now. Called again when a reload moves publishing to another broker: the gauges
    /// follow it (their label is read at each collection), and the new broker's counters start at 0.
    /// </summary>
    public void ObserveBroker(string broker)
    {
        Volatile.Write(ref _brokerName, broker);
        var tag = new KeyValuePair<string, object?>("broker", broker);
        BrokerReconnects.Add(0, tag);
        BrokerErrors.Add(0, tag);
        if (Interlocked.Exchange(ref _brokerObserved, 1) != 0)
            return;
        _meter.CreateObservableGauge("smtp_collector.broker.connected", () => new Measurement<int>(Volatile.Read(ref _brokerConnected), BrokerTag()), "{connection}", "1 while the publisher has a broker connection");
        _meter.CreateObservableGauge("smtp_collector.publisher.window", () => new Measurement<int>(Volatile.Read(ref _windowDepth), BrokerTag()), "{message}", "Messages handed to the broker connection, not yet confirmed");
    }

    private KeyValuePair<string, object?> BrokerTag() => new("broker", Volatile.Read(ref _brokerName));

    public void BrokerState(bool connected, int window)
    {
        if (connected != (Volatile.Read(ref _brokerConnected) == 1))
            Volatile.Write(ref _brokerSinceTicks, DateTimeOffset.UtcNow.UtcTicks);
        Volatile.Write(ref _brokerConnected, connected ? 1 : 0);
        Volatile.Write(ref _windowDepth, window);
    }

    /// <summary>Why the last broker connection ended, for the status page (the publisher's own words, no secrets).</summary>
    public void BrokerFailed(string reason) => Volatile.Write(ref _brokerLastError, reason);

    /// <summary>The broker link now; null without a publisher.</summary>
    public BrokerLink? Broker => Volatile.Read(ref _brokerObserved) == 0 ? null : new BrokerLink(Volatile.Read(ref _brokerName) ?? "", Volatile.Read(ref _brokerConnected) == 1,
        new DateTimeOffset(Volatile.Read(ref _brokerSinceTicks), TimeSpan.Zero), Volatile.Read(ref _brokerLastError), Volatile.Read(ref _windowDepth));

    public void Dispose() => _meter.Dispose();
}

public sealed record BrokerLink(string Broker, bool Connected, DateTimeOffset Since, string? LastError, int Window);
