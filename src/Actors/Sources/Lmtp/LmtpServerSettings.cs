using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>Everything the LMTP listener and its sessions need; each option has a documented default (README, "Configuration").</summary>
public sealed record LmtpServerSettings
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 2424;
    public string HostName { get; init; } = "localhost";
    public LmtpLimits Limits { get; init; } = new();
    public TrapDomains Domains { get; init; } = TrapDomains.Any;

    /// <summary>Connections served at once; one more is answered 421 4.3.2 and closed.</summary>
    public int MaxConnections { get; init; } = 100;

    /// <summary>Waiting for a command line longer than this gets 421 4.4.2 (RFC 5321 4.5.3.2 suggests at least 5 minutes).</summary>
    public TimeSpan CommandIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The command idle timeout while more than <see cref="StressThreshold"/> of <see cref="MaxConnections"/> are taken
    /// (Postfix: <c>smtpd_timeout = ${stress?10}{300}</c>): idle connections then make room quickly.
    /// </summary>
    public TimeSpan StressCommandIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The share of <see cref="MaxConnections"/> above which the server is under stress.</summary>
    public double StressThreshold { get; init; } = 0.8;

    /// <summary>Waiting for the next bytes of a message longer than this gets 421 4.4.2.</summary>
    public TimeSpan DataIdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// A message (DATA, or one BDAT chunk) must arrive whole within this, however steadily its bytes come: the data idle
    /// timeout alone restarts with every byte, so a client sending one byte a minute would hold its connection for ever.
    /// Exceeded: 421 4.4.2, closed, the message dropped (Postfix's own end-of-data wait is 600 s).
    /// </summary>
    public TimeSpan MessageDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The sink must confirm a message within this, else the recipients get 451 4.3.0; well below Postfix's 600 s.</summary>
    public TimeSpan SinkDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Message bytes held in memory across all sessions (received, not yet confirmed by the sink).</summary>
    public long MaxInFlightBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How long a session waits for room in <see cref="MaxInFlightBytes"/> before its message gets 452 4.3.1.</summary>
    public TimeSpan InFlightWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Replies held for a client that does not read them; past this the session stops reading its commands.</summary>
    public int MaxPendingReplyBytes { get; init; } = 64 * 1024;

    /// <summary>Body bytes read from a connection but not yet taken in hand by its session; past this the connection stops reading.</summary>
    public int BodyWindowBytes { get; init; } = 256 * 1024;

    /// <summary>On shutdown, sessions in the middle of a message get this long to finish it.</summary>
    public TimeSpan ShutdownDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A closing connection whose client does not take its last reply is dropped after this.</summary>
    public TimeSpan CloseGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where the listener and its sessions count what they do; nothing is counted without it.</summary>
    public CollectorMetrics? Metrics { get; init; }

    /// <summary>Where each session records the messages it handled, for the status page; nothing is recorded without it.</summary>
    public TrapActivity? Activity { get; init; }

    /// <summary>While this says nothing can publish, MAIL gets 451 4.4.3 before any body is sent; null: MAIL is always accepted.</summary>
    public Sinks.PublishingAvailability? Publishing { get; init; }

    public LmtpSessionSettings SessionSettings => new(HostName, Limits, Domains);
}
