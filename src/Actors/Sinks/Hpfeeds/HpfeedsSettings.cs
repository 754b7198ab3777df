using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Hpfeeds;

public enum OversizePolicy
{
    /// <summary>Write the message durably to <see cref="HpfeedsSettings.SpoolDirectory"/> as &lt;sha256&gt;.eml, log it, answer 250.</summary>
    Spool,
    /// <summary>Answer 552 5.3.4: Postfix bounces it (to no one: the front never sends bounces).</summary>
    Reject,
}

/// <summary>The broker connection and publishing options (README, "Publishing to hpfeeds"); feed_config.yml keys in brackets.</summary>
public sealed record HpfeedsSettings
{
    /// <summary>[broker]</summary>
    public required string Host { get; init; }

    /// <summary>[port]</summary>
    public int Port { get; init; } = 10000;

    /// <summary>[identity]</summary>
    public required string Ident { get; init; }

    /// <summary>[secret] Never logged.</summary>
    public required string Secret { get; init; }

    /// <summary>[channels] Every message is published to each.</summary>
    public required IReadOnlyList<string> Channels { get; init; }

    /// <summary>[tls] Connect with TLS and validate the broker's certificate.</summary>
    public bool Tls { get; init; }

    /// <summary>A PEM file with the CA that signed the broker's certificate, instead of the system's trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>The name expected in the broker's certificate (and sent as SNI); the host name when null.</summary>
    public string? ServerName { get; init; }

    /// <summary>Confirm each batch through a marker published to, and echoed back on, <see cref="ConfirmChannel"/>.</summary>
    public bool Confirm { get; init; }

    /// <summary>The channel for confirmation markers; the identity needs publish and subscribe rights on it.</summary>
    public string? ConfirmChannelName { get; init; }

    public string ConfirmChannel => ConfirmChannelName ?? $"{Ident}.confirm";

    public PayloadFormat Format { get; init; } = PayloadFormat.Json;

    /// <summary>Add the envelope to json payloads; off, so that the payload is exactly the seed's unless asked.</summary>
    public bool Envelope { get; init; }

    /// <summary>Largest payload published; null means the reference broker's limit for this identity and the longest channel.</summary>
    public long? MaxPayloadBytesSetting { get; init; }

    public long MaxPayloadBytes => MaxPayloadBytesSetting
        ?? Channels.Min(channel => ReferenceBrokerPublishLimit - FrameEncoder.PublishLength(Ident, channel, 0));

    public OversizePolicy Oversize { get; init; } = OversizePolicy.Spool;

    public string SpoolDirectory { get; init; } = "spool";

    /// <summary>Messages handed to the connection and not yet confirmed; past this, further messages wait (and so do their sessions).</summary>
    public int Window { get; init; } = 64;

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// hpfeeds never says "authenticated": a refused AUTH is an ERROR and a close. Without <see cref="Confirm"/>, a new
    /// connection takes messages only after this long without one, so that a wrong secret cannot swallow messages.
    /// </summary>
    public TimeSpan AuthSettle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A broker that makes no progress for this long is dropped and retried after the backoff: no INFO after the
    /// connection opens, a write it does not take (it stopped reading), a confirmation marker it does not echo.
    /// </summary>
    public TimeSpan BrokerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection up this long without failing resets the backoff to <see cref="MinBackoff"/>.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The reference broker's PUBLISH frame limit: 5 + 1,048,576 bytes (contract.md §2).</summary>
    public const long ReferenceBrokerPublishLimit = 5 + 1_048_576;

    public override string ToString() => $"hpfeeds {(Tls ? "tls" : "tcp")}://{Host}:{Port} ident={Ident} channels={string.Join(",", Channels)}";
}
