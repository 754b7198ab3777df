using System.Collections.Immutable;

namespace SmtpCollector.Protocol.Payload;

/// <summary>Who sent a message to whom, as the LMTP session learnt it.</summary>
public sealed record MessageEnvelope(
    string Sender,
    IReadOnlyList<string> Recipients,
    ImmutableDictionary<string, string> Xforward,
    string? LhloName,
    string Peer,
    DateTimeOffset ReceivedAt);

/// <summary>A whole message, hashed, with its envelope: what a sink is handed.</summary>
public sealed record ReceivedMessage(MessageBody Body, string Sha256, MessageEnvelope Envelope)
{
    /// <summary>What is inside it, when the collector is configured to summarise (<c>summary: true</c>); goes into the json payload.</summary>
    public Summary.MessageSummary? Summary { get; init; }
}
