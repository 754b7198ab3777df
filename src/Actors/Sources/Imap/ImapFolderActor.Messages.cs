using Akka.Actor;
using Akka.Event;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Imap;

// The connected half: search, fetch, hand to the sink, mark; then wait for new mail (continuous) or report the pass.
public sealed partial class ImapFolderActor
{
    private int _sinkFailures;
    private string? _subject;

    private void Connected()
    {
        Receive<Searched>(OnSearched);
        Receive<Fetched>(OnFetched);
        Receive<MessageStored>(stored => ReferenceEquals(stored.Message, _current), OnStored);
        Receive<MessageStored>(stored => _log.Warning("{0}: the sink confirmed sha256={1} after this folder stopped waiting: it stays unmarked and is published again next time", Name, stored.Message.Sha256));
        Receive<MessageNotStored>(notStored => ReferenceEquals(notStored.Message, _current), OnNotStored);
        Receive<MessageNotStored>(_ => { });
        Receive<SinkSilent>(silent => ReferenceEquals(silent.Message, _current), silent =>
            OnNotStored(new MessageNotStored(silent.Message, NotStoredReason.Timeout, "the sink did not answer")));
        Receive<SinkSilent>(_ => { });
        Receive<Marked>(_ => Next());
        Receive<WaitEnded>(_ => Search());
        Receive<Retry>(_ => Search());
        Receive<StepFailed>(OnStepFailed);
        Receive<StopCollecting>(_ => Timers.IsTimerActive("retry"), _ =>
        {
            Timers.CancelAll();
            _stopping = true;
            Finish();
        });
        ReceiveStop();
    }

    private void Search()
    {
        if (_stopping)
        {
            Finish();
            return;
        }
        var all = _run.FetchAll;
        _connection!.SearchAsync(all, CancellationToken.None)
            .PipeTo(Self, success: uids => new Searched(uids), failure: ex => new StepFailed("searching", ex));
    }

    private void OnSearched(Searched searched)
    {
        _queue.Clear();
        foreach (var uid in searched.Uids)
        {
            var published = _state.Contains(uid);
            // With -a and no -d a published message has nothing left to do; unseen (default) or still there (-d), its
            // marking did not happen after it was published: finish that, without publishing it again.
            if (published && _run.FetchAll && !_run.Delete)
                continue;
            _queue.Enqueue((uid, published));
        }
        if (_queue.Count > 0)
            _log.Info("{0}: {1} messages to collect", Name, _queue.Count);
        Next();
    }

    private void Next()
    {
        if (_stopping)
        {
            Finish();
            return;
        }
        if (!_queue.TryDequeue(out var next))
        {
            if (!_run.Continuous)
            {
                ReportPass();
                return;
            }
            var (restart, poll, stop) = (_run.IdleRestart, _mailbox.PollInterval, _stopWaiting.Token);
            _connection!.WaitForNewMailAsync(restart, poll, stop, CancellationToken.None)
                .PipeTo(Self, success: () => new WaitEnded(), failure: ex => new StepFailed("waiting for new mail", ex));
            return;
        }
        _currentUid = next.Uid;
        if (next.Published)
        {
            Mark(next.Uid, stateText: null);
            return;
        }
        var uid = next.Uid;
        _connection!.FetchAsync(uid, CancellationToken.None)
            .PipeTo(Self, success: fetched => new Fetched(uid, fetched), failure: ex => new StepFailed("fetching", ex));
    }

    private void OnFetched(Fetched fetched)
    {
        if (fetched.Message is not { } message)
        {
            // Expunged by another client between the search and the fetch: nothing to publish.
            Next();
            return;
        }
        _current = new ReceivedMessage(message.Body, message.Sha256, Envelope(_mailbox, _folder));
        if (_telemetry is not null)
        {
            // Read now: once handed to the sink, the bytes are the sink's.
            _subject = SubjectHeader.Read(message.Body);
            _telemetry.Fetched(message.Body.Length);
        }
        _sink.Tell(new StoreMessage(_current, DateTime.UtcNow + _run.SinkDeadline));
        // A sink answers by its deadline; this is for one that never does, so that the folder cannot hang.
        Timers.StartSingleTimer("sink", new SinkSilent(_current), _run.SinkDeadline + TimeSpan.FromSeconds(5));
    }

    private void OnStored(MessageStored stored)
    {
        Timers.Cancel("sink");
        _current = null;
        _sinkFailures = 0;
        _published++;
        _state.Add(_currentUid);
        _telemetry?.Answered(stored.Message.Sha256, stored.Message.Body.Length, _subject, _mailbox.Username, refused: null, "stored");
        _log.Info("{0}: published uid {1} sha256={2} size={3}", Name, _currentUid, stored.Message.Sha256, stored.Message.Body.Length);
        Mark(_currentUid, _state.Serialize());
    }

    /// <summary>Records the UID as published (when <paramref name="stateText"/> is given), then flags it as the mode says.</summary>
    private void Mark(uint uid, string? stateText)
    {
        var (connection, path, delete, seen) = (_connection!, _statePath, _run.Delete, !_run.FetchAll);
        MarkAsync().PipeTo(Self, success: () => new Marked(uid), failure: ex => new StepFailed("marking", ex));

        async Task MarkAsync()
        {
            if (stateText is not null)
                await FolderState.SaveTextAsync(path, stateText);
            if (delete)
                await connection.DeleteAsync(uid, CancellationToken.None);
            else if (seen)
                await connection.MarkSeenAsync(uid, CancellationToken.None);
        }
    }

    private void OnNotStored(MessageNotStored notStored)
    {
        Timers.Cancel("sink");
        _current = null;
        _notPublished++;
        _telemetry?.Answered(notStored.Message.Sha256, notStored.Message.Body.Length, _subject, _mailbox.Username, notStored.Reason, notStored.Detail);
        _log.Warning("{0}: uid {1} sha256={2} not published ({3}: {4}); it stays unmarked for the next pass", Name, _currentUid, notStored.Message.Sha256, notStored.Reason, notStored.Detail);
        if (notStored.Reason == NotStoredReason.TooLarge)
        {
            Next();
            return;
        }
        // The sink is down or failing: every further message would wait its deadline too, so this pass stops here
        // (a pass run from cron ends within about one deadline, not one per message).
        _queue.Clear();
        _passFailed = true;
        if (_stopping)
        {
            Finish();
            return;
        }
        if (!_run.Continuous)
        {
            ReportPass();
            return;
        }
        Timers.StartSingleTimer("retry", new Retry(), ReconnectBackoff.Delay(_sinkFailures++, _run.MinBackoff, _run.MaxBackoff));
    }

    /// <summary>Stopping between steps: nothing is in flight, so the connection closes and the collector is told.</summary>
    private void Finish()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
            connection.CloseAsync().ContinueWith(_ => connection.Dispose(), TaskScheduler.Default);
        Become(Disconnected);
        _telemetry?.Closed("stopped");
        Context.Parent.Tell(new FolderStopped(Name));
    }

    private sealed record Searched(IReadOnlyList<uint> Uids);

    private sealed record Fetched(uint Uid, (MessageBody Body, string Sha256)? Message);

    private sealed record Marked(uint Uid);

    private sealed record WaitEnded;

    private sealed record Retry;

    private sealed record SinkSilent(ReceivedMessage Message);
}
