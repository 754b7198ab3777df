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
    private readonly Tally _spooled;
    private readonly Tally _archived;

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
        _spooled = new Tally(
            _meter.CreateCounter<long>("smtp_collector.messages.spooled", "{message}", "Messages over max_payload_bytes written to the spool directory instead of the broker"),
            _meter.CreateCounter<long>("smtp_collector.spooled", "By", "Message bytes written to the spool directory"));
        _archived = new Tally(
            _meter.CreateCounter<long>("smtp_collector.messages.archived", "{message}", "Messages written to the Maildir archive"),
            _meter.CreateCounter<long>("smtp_collector.archived", "By", "Message bytes written to the Maildir archive"));
    }

    /// <summary>
    /// Every series an alert or a rate() reads exists from the start at 0: a counter that appears only with its first
    /// event makes increase() and rate() miss that event. Called once the exporter listens (a measurement before that is lost).
    /// </summary>
    /// <param name="source">The source this process runs (lmtp, imap): only its series, so that an IMAP collector shows no LMTP at 0.</param>
    public void StartSeries(string source = "lmtp")
    {
        var tag = new KeyValuePair<string, object?>("source", source);
        MessagesReceived.Add(0, tag);
        BytesReceived.Add(0, tag);
        MessagesStored.Add(0, tag, _sink);
        foreach (var reason in Enum.GetValues<NotStoredReason>())
            MessagesNotStored.Add(0, tag, new("reason", reason.ToString().ToLowerInvariant()));
        if (source == "lmtp")
        {
            ConnectionsRefused.Add(0);
            ConnectionsEvicted.Add(0);
        }
        _spooled.Add(0);
        _archived.Add(0);
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
    /// <summary>A message of <paramref name="bytes"/> is safe in the oversize spool.</summary>
    public void Spooled(long bytes) => _spooled.Add(bytes, messages: 1);

    /// <summary>A message of <paramref name="bytes"/> is safe in the Maildir archive.</summary>
    public void Archived(long bytes) => _archived.Add(bytes, messages: 1);

    /// <summary>Messages and bytes spooled since the start, for the status page.</summary>
    public (long Messages, long Bytes) SpooledSinceStart => _spooled.SinceStart;

    /// <summary>Messages and bytes archived since the start, for the status page.</summary>
    public (long Messages, long Bytes) ArchivedSinceStart => _archived.SinceStart;

    public KeyValuePair<string, object?> Sink => _sink;

    /// <summary>For the instruments of a source's own (<see cref="ImapMailboxes"/>), on the same meter.</summary>
    internal Meter Meter => _meter;

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

    /// <summary>
    /// The broker link's gauges, there only when a publisher is (without one, a 0 would read as a link down): the broker
    /// the publisher talks to now. Called again when a reload moves publishing to another broker: the gauges follow it
    /// (their label is read at each collection), and the new broker's counters start at 0.
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

    /// <summary>Messages and bytes written to a local store: exported, and kept for the status page (a counter cannot be read back).</summary>
    private sealed class Tally(Counter<long> messageCounter, Counter<long> byteCounter)
    {
        private long _messages;
        private long _bytes;

        public (long Messages, long Bytes) SinceStart => (Interlocked.Read(ref _messages), Interlocked.Read(ref _bytes));

        /// <summary>With no message and 0 bytes, makes both series exist at 0.</summary>
        public void Add(long bytes, long messages = 0)
        {
            messageCounter.Add(messages);
            byteCounter.Add(bytes);
            Interlocked.Add(ref _messages, messages);
            Interlocked.Add(ref _bytes, bytes);
        }
    }
}

public sealed record BrokerLink(string Broker, bool Connected, DateTimeOffset Since, string? LastError, int Window);
