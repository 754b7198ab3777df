using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;

namespace SmtpCollector.Actors.Lmtp;

/// <summary>
/// One accepted Akka.IO connection as a flow: what it reads comes out (one read per demand: the connection is in pull
/// mode, so a session that stops pulling stops the reading and TCP pushes back on the client), what goes in is written,
/// one write at a time. Completing the input half-closes (the client may still send); cancelling the output closes.
/// <para>
/// Why not <c>Akka.Streams.Dsl.Tcp.Bind</c>: every connection it accepts watches the binding's stage actor, and in
/// Akka.NET 1.5.74 that actor never forgets a watcher that stops (FunctionRef.RemoveWatcher exits its loop when the
/// watcher is present instead of when it is absent), so each connection ever accepted stayed reachable: about 1.1 KB of
/// heap per connection for the life of the process (bench/README.md, memory). Here the bind handler is the listener
/// actor, whose unwatch works; the per-connection stage actor below goes away with its connection.
/// </para>
/// </summary>
public sealed class InboundTcpStage(IActorRef connection, string peer) : GraphStage<FlowShape<ByteString, ByteString>>
{
    private readonly IActorRef _connection = connection;
    private readonly string _peer = peer;
    private readonly Inlet<ByteString> _in = new("tcp.write");
    private readonly Outlet<ByteString> _out = new("tcp.read");

    public override FlowShape<ByteString, ByteString> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class WriteAck : Tcp.Event
    {
        public static readonly WriteAck Instance = new();
    }

    private sealed class Logic : GraphStageLogic
    {
        private readonly InboundTcpStage _stage;

        public Logic(InboundTcpStage stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage._in, onPush: OnWrite, onUpstreamFinish: OnWritesFinished, onUpstreamFailure: OnWritesFailed);
            SetHandler(stage._out, onPull: () => Tell(Tcp.ResumeReading.Instance), onDownstreamFinish: OnReadsCancelled);
        }

        private IActorRef Connection => _stage._connection;

        public override void PreStart()
        {
            // The stage ends on the connection's events, not when both ports happen to be closed.
            SetKeepGoing(true);
            GetStageActor(OnEvent).Watch(Connection);
            // Keep the connection open when the client half-closes: it may still be waiting for our last replies.
            Tell(new Tcp.Register(StageActor.Ref, keepOpenOnPeerClosed: true, useResumeWriting: false));
            Pull(_stage._in);
        }

        private void Tell(object command) => Connection.Tell(command, StageActor.Ref);

        private void OnWrite() => Tell(Tcp.Write.Create(Grab(_stage._in), WriteAck.Instance));

        private void OnWritesFinished()
        {
            if (IsClosed(_stage._out))
                Tell(Tcp.Close.Instance);
            else
                Tell(Tcp.ConfirmedClose.Instance);
        }

        private void OnWritesFailed(Exception cause)
        {
            Log.Debug("aborting the connection from {0}: {1}", _stage._peer, cause.Message);
            Tell(Tcp.Abort.Instance);
        }

        private void OnReadsCancelled(Exception cause)
        {
            if (cause is SubscriptionWithCancelException.NonFailureCancellation)
            {
                // Nothing more will be read: close once the writes are done too, and keep draining reads meanwhile.
                Tell(IsClosed(_stage._in) ? Tcp.Close.Instance : Tcp.ResumeReading.Instance);
                return;
            }
            Tell(Tcp.Abort.Instance);
            FailStage(cause);
        }

        private void OnEvent((IActorRef Sender, object Message) args)
        {
            switch (args.Message)
            {
                case Tcp.Received when IsClosed(_stage._out):
                    Tell(Tcp.ResumeReading.Instance);
                    break;
                case Tcp.Received received:
                    Push(_stage._out, received.Data);
                    break;
                case WriteAck:
                    if (!IsClosed(_stage._in))
                        Pull(_stage._in);
                    break;
                case Tcp.PeerClosed:
                    Complete(_stage._out);
                    break;
                case Tcp.Closed or Tcp.ConfirmedClosed:
                    CompleteStage();
                    break;
                case Tcp.Aborted:
                    FailStage(new IOException($"the connection from {_stage._peer} was aborted"));
                    break;
                case Tcp.ErrorClosed error:
                    FailStage(new IOException($"the connection from {_stage._peer} closed with an error: {error.Cause}"));
                    break;
                case Tcp.CommandFailed failed:
                    FailStage(new IOException($"TCP command {failed.Cmd.GetType().Name} failed on the connection from {_stage._peer}"));
                    break;
                case Terminated:
                    FailStage(new IOException($"the connection actor for {_stage._peer} stopped"));
                    break;
            }
        }
    }

}
