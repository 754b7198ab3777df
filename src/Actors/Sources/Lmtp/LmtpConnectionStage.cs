using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// The TCP side of one LMTP connection, and nothing more: hands what it reads to the session actor and writes the
/// session's replies. It reads on only while the session keeps up: between commands once the session has used all it was
/// handed (so a pipelined group is one piece, answered in one write), within a message up to a window of bytes ahead, and
/// never while the client leaves too many replies unread. So a slow sink or a slow client stops the reading here, and TCP
/// pushes back to the client. The protocol itself is <see cref="LmtpConnection"/>, in the session.
/// </summary>
/// <param name="slot">Shared with the listener, which picks idle connections to close when slots run out; a new one by default.</param>
public sealed class LmtpConnectionStage(IActorRef session, string peer, LmtpServerSettings settings, ConnectionSlot? slot = null)
    : GraphStage<FlowShape<ByteString, ByteString>>
{
    private IActorRef Session { get; } = session;
    private ConnectionSlot Slot { get; } = slot ?? new ConnectionSlot();
    private string Peer { get; } = peer;
    private LmtpServerSettings Settings { get; } = settings;

    private readonly Inlet<ByteString> _in = new("lmtp.in");
    private readonly Outlet<ByteString> _out = new("lmtp.out");

    public override FlowShape<ByteString, ByteString> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private readonly LmtpConnectionStage _stage;
        private ByteString _output = ByteString.Empty;
        // Handed to the session and not yet used by it.
        private long _unused;
        private ReadAhead _next = ReadAhead.NextPiece;
        private bool _inputFinished;
        private bool _closing;
        private StageActor? _self;

        public Logic(LmtpConnectionStage stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage._in, onPush: OnPush, onUpstreamFinish: OnUpstreamFinish, onUpstreamFailure: _ => CompleteStage());
            SetHandler(stage._out, onPull: OnPull, onDownstreamFinish: _ => CompleteStage());
        }

        private LmtpServerSettings Settings => _stage.Settings;

        public override void PreStart()
        {
            _self = GetStageActor(OnMessage);
            _self.Watch(_stage.Session);
            _stage.Session.Tell(new ConnectionOpened(_self.Ref, _stage.Peer, _stage.Slot), _self.Ref);
            Pull(_stage._in);
        }

        public override void PostStop() => _stage.Session.Tell(new ConnectionClosed(), _self?.Ref ?? ActorRefs.NoSender);

        private void OnPush()
        {
            var bytes = Grab(_stage._in);
            if (_closing)
            {
                // Whatever a client sends after the last reply (garbage after QUIT) is read and dropped until the close.
                Pull(_stage._in);
                return;
            }
            _unused += bytes.Count;
            if (_next == ReadAhead.NextPiece)
                _next = ReadAhead.Nothing;
            _stage.Session.Tell(new BytesReceived(bytes), _self!.Ref);
            ReadOn();
        }

        private void OnUpstreamFinish()
        {
            _inputFinished = true;
            if (!_closing)
                _stage.Session.Tell(InputEnded.Instance, _self!.Ref);
        }

        private void OnMessage((IActorRef Sender, object Message) envelope)
        {
            switch (envelope.Message)
            {
                case WriteReplies write:
                    _unused -= write.Consumed;
                    _next = write.Next;
                    Enqueue(write.Replies);
                    Flush();
                    ReadOn();
                    break;
                case WriteAndClose close:
                    Enqueue(close.Replies);
                    BeginClose();
                    break;
                case Terminated:
                    if (!_closing)
                    {
                        Enqueue(ByteString.FromString(Replies.InternalError.ToString()));
                        BeginClose();
                    }
                    break;
            }
        }

        /// <summary>Pulls the next read when the session keeps up and the client reads its replies; tells the session when it has.</summary>
        private void ReadOn()
        {
            var repliesRead = _output.Count < Settings.MaxPendingReplyBytes;
            if (_next == ReadAhead.AfterRepliesRead && repliesRead)
            {
                _next = ReadAhead.Nothing;
                _stage.Session.Tell(RepliesRead.Instance, _self!.Ref);
            }
            if (_closing || _inputFinished || !repliesRead || HasBeenPulled(_stage._in))
                return;
            if (_next == ReadAhead.NextPiece || (_next == ReadAhead.Window && _unused < Settings.BodyWindowBytes))
                Pull(_stage._in);
        }

        private void Enqueue(ByteString replies)
        {
            if (!replies.IsEmpty)
                _output = _output.IsEmpty ? replies : _output.Concat(replies);
        }

        private void OnPull()
        {
            Flush();
            if (!_closing)
                ReadOn();
        }

        private void Flush()
        {
            if (!IsAvailable(_stage._out))
                return;
            if (!_output.IsEmpty)
            {
                Push(_stage._out, _output);
                _output = ByteString.Empty;
                return;
            }
            // Closing only once TCP has pulled again, that is once the last reply is written: the close then follows
            // the replies, and a client that does not read them is left to the close-grace timer below.
            if (_closing)
                CompleteStage();
        }

        private void BeginClose()
        {
            if (_closing)
                return;
            _closing = true;
            ScheduleOnce("close-grace", Settings.CloseGrace);
            Flush();
        }

        // The client has not taken its last reply: a graceful close would wait for that write for ever (the TCP stage
        // closes only once its pending write is done), keeping the socket and its buffers after the session has gone.
        // Failing the stage makes the TCP stage abort the connection instead.
        protected override void OnTimer(object timerKey) =>
            FailStage(new TimeoutException($"{_stage.Peer} did not take its last reply within {Settings.CloseGrace}: connection aborted"));
    }
}
