using Akka.Actor;
using Akka.Event;
using SmtpCollector.Actors.Sinks.Files;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sinks.Files;

/// <summary>
/// The durable local sink. Messages that arrive while a batch is being written wait for the next batch; each batch is
/// written and synced to disk once (group commit), off the actor's thread, and only then are its messages confirmed.
/// One sync confirms every message written before it, so durability does not cost one disk sync per message.
/// Each message's body is this sink's once handed over: it is released (its blocks back to the pool, its share of the
/// in-flight budget freed) when its batch is done, written or not, and never read after that.
/// </summary>
public sealed class StoreSinkActor : ReceiveActor
{
    private readonly IMessageStore _store;
    private readonly Action<long>? _stored;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private List<Pending> _waiting = [];
    private bool _writing;

    public StoreSinkActor(IMessageStore store, Action<long>? stored)
    {
        _store = store;
        _stored = stored;
        Receive<StoreMessage>(store =>
        {
            _waiting.Add(new Pending(store, Sender));
            if (!_writing)
                WriteBatch();
        });
        Receive<BatchWritten>(OnWritten);
        Receive<BatchFailed>(OnFailed);
    }

    /// <param name="stored">Told each stored message's size, once it is safe (on this actor's thread): where it is counted.</param>
    public static Props Props(IMessageStore store, Action<long>? stored = null) => Akka.Actor.Props.Create(() => new StoreSinkActor(store, stored));

    protected override void PreStart() => _log.Info("storing messages in {0}", _store.Description);

    protected override void PostStop()
    {
        // Not the batch being written: its task may still be reading those bodies.
        foreach (var pending in _waiting)
            pending.Request.Message.Body.Release();
        _store.Dispose();
    }

    private void WriteBatch()
    {
        var batch = _waiting;
        _waiting = [];
        _writing = true;
        var store = _store;
        // The store is used by this task alone until its result comes back to the actor.
        Task.Run(() =>
            {
                try
                {
                    foreach (var pending in batch)
                        store.Write(pending.Request.Message);
                    store.Commit();
                }
                catch
                {
                    store.Rollback();
                    throw;
                }
            })
            .PipeTo(Self, success: () => new BatchWritten(batch), failure: ex => new BatchFailed(batch, ex));
    }

    private void OnWritten(BatchWritten written)
    {
        foreach (var pending in written.Batch)
        {
            _stored?.Invoke(pending.Request.Message.Body.Length);
            pending.Request.Message.Body.Release();
            pending.ReplyTo.Tell(new MessageStored(pending.Request.Message));
        }
        Next();
    }

    private void OnFailed(BatchFailed failed)
    {
        _log.Error(failed.Cause, "writing {0} messages to {1} failed; they get 451 and stay with the client", failed.Batch.Count, _store.Description);
        foreach (var pending in failed.Batch)
        {
            pending.Request.Message.Body.Release();
            pending.ReplyTo.Tell(new MessageNotStored(pending.Request.Message, NotStoredReason.Failed, failed.Cause.Message));
        }
        Next();
    }

    private void Next()
    {
        _writing = false;
        if (_waiting.Count > 0)
            WriteBatch();
    }

    private sealed record Pending(StoreMessage Request, IActorRef ReplyTo);

    private sealed record BatchWritten(List<Pending> Batch);

    private sealed record BatchFailed(List<Pending> Batch, Exception Cause);
}
