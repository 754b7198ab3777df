using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>
/// Durable storage written in batches (group commit): <see cref="Write"/> each message of a batch, then one
/// <see cref="Commit"/> makes them all durable. If anything throws, <see cref="Rollback"/> undoes the batch's partial writes.
/// Used by one thread at a time.
/// </summary>
public interface IMessageStore : IDisposable
{
    string Description { get; }

    void Write(ReceivedMessage message);

    void Commit();

    void Rollback();
}
