using Akka.Actor;
using Akka.Event;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>
/// Starts one <see cref="ImapFolderActor"/> per mailbox and folder and gathers their passes (one-pass mode) and their
/// stops (shutdown). A folder's failure is its own: a wrong password or an unreachable host in one mailbox never stops another.
/// </summary>
public sealed class ImapCollectorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _folders = [];
    private readonly HashSet<IActorRef> _passPending = [];
    private readonly HashSet<IActorRef> _stopPending = [];
    private readonly List<IActorRef> _passWaiters = [];
    private readonly List<IActorRef> _stopWaiters = [];
    private bool _allPublished = true;
    private int _published;
    private int _notPublished;

    /// <param name="telemetry">The mailboxes' state and counts, each folder writing its own entry; null for none.</param>
    public ImapCollectorActor(IReadOnlyList<MailboxSettings> mailboxes, ImapRunSettings run, IActorRef sink, ImapMailboxes? telemetry = null)
    {
        var index = 0;
        foreach (var mailbox in mailboxes)
        {
            index++;
            foreach (var folder in mailbox.Folders)
            {
                var name = $"mailbox-{index}-" + string.Concat(folder.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-'));
                var child = Context.ActorOf(ImapFolderActor.Props(mailbox, folder, run, sink, telemetry?.For(mailbox.Name, folder)), name);
                _folders.Add(child);
                _passPending.Add(child);
            }
        }

        Receive<FolderPassFinished>(finished =>
        {
            _passPending.Remove(Sender);
            _allPublished &= finished.AllPublished;
            _published += finished.Published;
            _notPublished += finished.NotPublished;
            _log.Info("{0}: pass finished: {1} published, {2} not published{3}", finished.Folder, finished.Published, finished.NotPublished,
                finished.AllPublished ? "" : " (failed)");
            AnswerPassWaiters();
        });
        Receive<AwaitPass>(_ =>
        {
            _passWaiters.Add(Sender);
            AnswerPassWaiters();
        });
        Receive<StopCollecting>(_ =>
        {
            if (_stopWaiters.Count == 0)
            {
                foreach (var folder in _folders)
                {
                    _stopPending.Add(folder);
                    folder.Tell(new StopCollecting());
                }
            }
            _stopWaiters.Add(Sender);
            AnswerStopWaiters();
        });
        Receive<FolderStopped>(_ =>
        {
            _stopPending.Remove(Sender);
            AnswerStopWaiters();
        });
    }

    public static Props Props(IReadOnlyList<MailboxSettings> mailboxes, ImapRunSettings run, IActorRef sink, ImapMailboxes? telemetry = null) =>
        Akka.Actor.Props.Create(() => new ImapCollectorActor(mailboxes, run, sink, telemetry));

    // A folder actor that throws (a bug, not an IMAP failure: those it handles itself) starts again from its state file,
    // which is exactly what it has published: restarting cannot lose or double-mark anything.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: _ => Directive.Restart);

    private void AnswerPassWaiters()
    {
        if (_passPending.Count > 0)
            return;
        foreach (var waiter in _passWaiters)
            waiter.Tell(new PassFinished(_allPublished, _published, _notPublished));
        _passWaiters.Clear();
    }

    private void AnswerStopWaiters()
    {
        if (_stopPending.Count > 0)
            return;
        foreach (var waiter in _stopWaiters)
            waiter.Tell(new CollectingStopped());
        _stopWaiters.Clear();
    }
}
