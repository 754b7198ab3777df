using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// The TCP side of one LMTP connection: frames the input into command lines, dot-unstuffed DATA or BDAT chunks
/// (as the session says), hands each to the session actor and writes the session's replies. An over-long line is
/// reported, never a stream failure. One input event is outstanding at a time and replies a client does not read are
/// bounded, so a slow sink or a slow client stops the reading here and TCP pushes back to the client.
/// </summary>
public sealed class LmtpConnectionStage(IActorRef session, string peer, LmtpServerSettings settings)
    : GraphStage<FlowShape<ByteString, ByteString>>
{
    private IActorRef Session { get; } = session;
    private string Peer { get; } = peer;
    private LmtpServerSettings Settings { get; } = settings;

    private readonly Inlet<ByteString> _in = new("lmtp.in");
    private readonly Outlet<ByteString> _out = new("lmtp.out");

    public override FlowShape<ByteString, ByteString> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private static readonly ByteString CarriageReturn = ByteString.FromBytes("\r"u8.ToArray());
        // Bounds the replies one group can add to those a client has not read yet (MaxPendingReplyBytes is checked between groups).
        private const int MaxCommandsPerGroup = 32;
        private readonly LmtpConnectionStage _stage;
        private ByteString _input = ByteString.Empty;
        private ByteString _output = ByteString.Empty;
        private ReadMode _mode = ReadMode.Command;
        private CommandLineFramer _lines;
        private DotUnstuffer _data;
        private ChunkReader _chunk;
        private bool _awaitingSession;
        private bool _inputFinished;
        private bool _closing;
        // Nothing left to frame until more bytes arrive: the moment to write the replies of a pipelined group.
        private bool _starved = true;
        private long _bodyBytesInFlight;
        private StageActor? _self;

        public Logic(LmtpConnectionStage stage) : base(stage.Shape)
        {
            _stage = stage;
            _lines = new CommandLineFramer(stage.Settings.Limits.MaxCommandLineBytes);
            SetHandler(stage._in, onPush: OnPush, onUpstreamFinish: OnUpstreamFinish, onUpstreamFailure: _ => CompleteStage());
            SetHandler(stage._out, onPull: OnPull, onDownstreamFinish: _ => CompleteStage());
        }

        public override void PreStart()
        {
            _self = GetStageActor(OnMessage);
            _self.Watch(_stage.Session);
            _stage.Session.Tell(new ConnectionOpened(_self.Ref, _stage.Peer), _self.Ref);
            Pull(_stage._in);
        }

        public override void PostStop() => _stage.Session.Tell(new ConnectionClosed(), _self?.Ref ?? ActorRefs.NoSender);

        private void OnPush()
        {
            var chunk = Grab(_stage._in);
            if (_closing)
            {
                // Whatever a client sends after the last reply (garbage after QUIT) is read and dropped until the close.
                Pull(_stage._in);
                return;
            }
            // A partial command line is all that is ever left over; joining it to the new bytes copies at most a line's worth plus one read.
            _input = _input.IsEmpty ? chunk : _input.Concat(chunk).Compact();
            _starved = false;
            Process();
        }

        private void OnUpstreamFinish()
        {
            _inputFinished = true;
            if (!_closing)
                Process();
        }

        private void OnMessage((IActorRef Sender, object Message) envelope)
        {
            switch (envelope.Message)
            {
                case ContinueReading next:
                    _awaitingSession = false;
                    Enqueue(next.Replies);
                    SwitchTo(next.Mode, next.ChunkSize);
                    Process();
                    break;
                case BodyBytesTaken taken:
                    _bodyBytesInFlight -= taken.Count;
                    Process();
                    break;
                case WriteReplies write:
                    Enqueue(write.Replies);
                    Flush();
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

        private void SwitchTo(ReadMode mode, long chunkSize)
        {
            // The same mode again is the session taking the next piece of a body or chunk in hand: carry on with it.
            if (mode != _mode)
                _data = default;
            if (mode != _mode || _chunk.Done)
                _chunk = new ChunkReader(chunkSize);
            _mode = mode;
        }

        private void Process()
        {
            while (!_awaitingSession && !_closing && _output.Count < _stage.Settings.MaxPendingReplyBytes
                   && _bodyBytesInFlight < _stage.Settings.BodyWindowBytes)
            {
                if (!Step())
                {
                    _starved = true;
                    break;
                }
                _starved = false;
            }

            if (_closing)
                return;
            if (_starved && _inputFinished)
            {
                // The client is done sending; whatever it left unfinished (a partial line or message) is dropped.
                BeginClose();
                return;
            }
            if (_starved && !HasBeenPulled(_stage._in))
                Pull(_stage._in);
            Flush();
        }

        /// <summary>Frames one input event out of the buffered input and sends it to the session; false when more input is needed.</summary>
        private bool Step()
        {
            switch (_mode)
            {
                case ReadMode.Command:
                    return StepCommand();
                case ReadMode.Data:
                    return StepData();
                default:
                    return StepChunk();
            }
        }

        private bool StepCommand()
        {
            List<CommandLine>? group = null;
            while (!_input.IsEmpty && (group?.Count ?? 0) < MaxCommandsPerGroup)
            {
                var scan = _lines.Scan(_input.ToReadOnlySpan());
                if (scan.Kind == LineScanKind.Incomplete)
                {
                    _input = _input.Slice(scan.Consumed);
                    break;
                }
                var line = scan.Kind == LineScanKind.Line
                    ? new CommandLine(_input.Slice(0, scan.LineLength), scan.BareLineFeed)
                    : new CommandLine(ByteString.Empty, false, TooLong: true);
                _input = _input.Slice(scan.Consumed);
                (group ??= new List<CommandLine>(1)).Add(line);
                if (line.TooLong || CommandParser.MayStartBody(line.Bytes.ToReadOnlySpan()))
                    break;
            }
            if (group is null)
                return false;
            Send(new CommandLinesReceived(group));
            return true;
        }

        private bool StepData()
        {
            if (_input.IsEmpty)
                return false;
            var slices = new List<ByteString>(2);
            var ended = false;
            while (!_input.IsEmpty && !ended)
            {
                var scan = _data.Scan(_input.ToReadOnlySpan());
                if (scan.HeldCarriageReturn)
                    slices.Add(CarriageReturn);
                if (scan.Length > 0)
                    slices.Add(_input.Slice(scan.Start, scan.Length));
                _input = _input.Slice(scan.Consumed);
                ended = scan.Ended;
            }
            SendBody(slices, ended);
            return true;
        }

        private bool StepChunk()
        {
            if (_input.IsEmpty && !_chunk.Done)
                return false;
            var take = _chunk.Take(_input.Count);
            var slice = _input.Slice(0, take);
            _input = _input.Slice(take);
            if (_mode == ReadMode.DiscardChunk)
            {
                if (!_chunk.Done)
                    return true;
                Send(new BodyBytesReceived([], true));
                return true;
            }
            SendBody(take > 0 ? [slice] : [], _chunk.Done);
            return true;
        }

        /// <summary>
        /// Body bytes are not acknowledged one piece at a time: the session takes them in hand as they come (answering
        /// <see cref="BodyBytesTaken"/>) while up to a window of them is on its way, so a message's many small reads do not
        /// each wait for a round trip. Only the body's end waits for the session's answer.
        /// </summary>
        private void SendBody(List<ByteString> slices, bool ended)
        {
            if (ended)
            {
                Send(new BodyBytesReceived(slices, true));
                return;
            }
            foreach (var slice in slices)
                _bodyBytesInFlight += slice.Count;
            _stage.Session.Tell(new BodyBytesReceived(slices, false), _self!.Ref);
        }

        private void Send(object inputEvent)
        {
            _awaitingSession = true;
            _stage.Session.Tell(inputEvent, _self!.Ref);
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
                Process();
        }

        /// <summary>
        /// Writes the pending replies as one write. While more buffered commands wait to be answered, replies are held back,
        /// so that a pipelined group is answered in one write (RFC 2920 3.2), unless they pile up.
        /// </summary>
        private void Flush()
        {
            if (!IsAvailable(_stage._out))
                return;
            var groupAnswered = _closing || _starved || _mode != ReadMode.Command
                || _output.Count >= _stage.Settings.MaxPendingReplyBytes;
            if (!_output.IsEmpty && groupAnswered)
            {
                Push(_stage._out, _output);
                _output = ByteString.Empty;
                return;
            }
            // Closing only once TCP has pulled again, that is once the last reply is written: the close then follows
            // the replies, and a client that does not read them is left to the close-grace timer below.
            if (_closing && _output.IsEmpty)
                CompleteStage();
        }

        private void BeginClose()
        {
            if (_closing)
                return;
            _closing = true;
            ScheduleOnce("close-grace", _stage.Settings.CloseGrace);
            Flush();
        }

        // The client has not taken its last reply: a graceful close would wait for that write for ever (the TCP stage
        // closes only once its pending write is done), keeping the socket and its buffers after the session has gone.
        // Failing the stage makes the TCP stage abort the connection instead.
        protected override void OnTimer(object timerKey) =>
            FailStage(new TimeoutException($"{_stage.Peer} did not take its last reply within {_stage.Settings.CloseGrace}: connection aborted"));
    }
}
