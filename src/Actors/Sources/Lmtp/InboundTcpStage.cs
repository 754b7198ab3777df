using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;

namespace SmtpCollector.Actors.Sources.Lmtp;

/// <summary>
/// One accepted socket as a flow: what it reads comes out (one read per demand, so a session that stops pulling stops
/// the reading and TCP pushes back on the client), what goes in is written, one write at a time. Completing the input
/// half-closes (the client may still send); cancelling the output closes once the writes are done.
/// <para>
/// The socket directly, not Akka.IO: an Akka.IO connection is one more actor per connection and several messages per
/// read and write, which measured as a third of the collector's CPU with one connection per message (bench/README.md).
/// (Akka.Streams' <c>Tcp().Bind</c> also leaked: every connection watched the binding's stage actor, and in Akka.NET
/// 1.5.74 and 1.5.75 <c>FunctionRef.RemoveWatcher</c> never forgets a watcher, so each connection ever accepted stayed reachable.)
/// </para>
/// <para>
/// Reading waits for data with a zero-byte receive (so an idle connection holds no buffer, as in Kestrel), then reads
/// what the kernel holds, up to the read size, straight into the array that is handed on: the bytes are not copied again.
/// </para>
/// </summary>
public sealed partial class InboundTcpStage(Socket socket, string peer, int readSize = InboundTcpStage.DefaultReadSize)
    : GraphStage<FlowShape<ByteString, ByteString>>
{
    /// <summary>64 KiB: a 100 KB message is two reads, and each read's array stays below the large-object heap threshold.</summary>
    public const int DefaultReadSize = 64 * 1024;

    private readonly Socket _socket = socket;
    private readonly string _peer = peer;
    private readonly int _readSize = readSize;

    private readonly Inlet<ByteString> _in = new("tcp.write");
    private readonly Outlet<ByteString> _out = new("tcp.read");

    public override FlowShape<ByteString, ByteString> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed partial class Logic : GraphStageLogic
    {
        private readonly InboundTcpStage _stage;
        private readonly Socket _socket;
        private readonly Action<Exception?> _onReadable;
        private readonly Action<(int Sent, Exception? Failure)> _onWritten;
        private readonly Action _readableContinuation;
        private readonly Action _writtenContinuation;
        private ValueTaskAwaiter<int> _pendingWait;
        private ValueTaskAwaiter<int> _pendingWrite;
        private ReadOnlyMemory<byte> _unsent;
        // Tells the end of the stream from nothing yet when the kernel holds no bytes.
        private readonly byte[] _probe = new byte[1];
        private bool _waiting;
        // The last receive took all the kernel held (or nothing was received yet): wait before reading again.
        private bool _drained = true;
        private bool _writing;
        private bool _outputShutdown;
        private bool _closed;

        public Logic(InboundTcpStage stage) : base(stage.Shape)
        {
            _stage = stage;
            _socket = stage._socket;
            _onReadable = GetAsyncCallback<Exception?>(OnReadable);
            _onWritten = GetAsyncCallback<(int Sent, Exception? Failure)>(OnWritten);
            _readableContinuation = () => _onReadable(Result(_pendingWait).Failure);
            _writtenContinuation = () => _onWritten(Result(_pendingWrite));
            SetHandler(stage._in, onPush: OnWrite, onUpstreamFinish: OnWritesFinished, onUpstreamFailure: OnWritesFailed);
            SetHandler(stage._out, onPull: Read, onDownstreamFinish: OnReadsCancelled);
        }

        public override void PreStart()
        {
            // The stage ends when the socket is closed, not when both ports happen to be closed.
            SetKeepGoing(true);
            Pull(_stage._in);
        }

        public override void PostStop()
        {
            // A stage that stops any other way (a failure downstream, the materializer shutting down) leaves no socket behind.
            if (!_closed)
                Abort();
        }

        private static (int Count, Exception? Failure) Result(ValueTaskAwaiter<int> pending)
        {
            try
            {
                return (pending.GetResult(), null);
            }
            catch (Exception e)
            {
                return (0, e);
            }
        }

        /// <summary>
        /// One non-blocking receive of what the kernel holds. After a receive that took all the kernel held, a zero-byte
        /// receive waits for more first: asking how much is held would only say nothing yet, one system call each.
        /// </summary>
        private void Read()
        {
            while (!_closed)
            {
                if (_drained && !Wait())
                    return;
                int held;
                try
                {
                    held = _socket.Available;
                }
                catch (SocketException e)
                {
                    Fail(e);
                    return;
                }
                // Nothing held: the end of the stream, or nothing yet; a one-byte receive tells which.
                var buffer = held > 0 ? new byte[Math.Min(held, _stage._readSize)] : _probe;
                var count = _socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out var error);
                if (error == SocketError.Success && count > 0)
                {
                    _drained = count == held;
                    if (IsClosed(_stage._out))
                        continue; // draining what a client still sends while the last replies go out
                    Push(_stage._out, buffer == _probe ? ByteString.CopyFrom(_probe, 0, count) : ByteString.FromBytes(buffer, 0, count));
                    return;
                }

                if (error == SocketError.Success)
                {
                    OnPeerClosed();
                    return;
                }
                if (error != SocketError.WouldBlock)
                {
                    Fail(new IOException($"reading from {_stage._peer} failed: {error}"));
                    return;
                }
                _drained = true;
            }
        }

        /// <summary>Starts a zero-byte receive; true when it completed at once (data or the end is there), false when it waits or failed.</summary>
        private bool Wait()
        {
#pragma warning disable CA2012 // consumed once: GetResult in Result, inline or from the continuation
            _pendingWait = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).GetAwaiter();
#pragma warning restore CA2012
            if (!_pendingWait.IsCompleted)
            {
                _waiting = true;
                _pendingWait.UnsafeOnCompleted(_readableContinuation);
                return false;
            }
            if (Result(_pendingWait).Failure is { } failure)
            {
                Fail(failure);
                return false;
            }
            _drained = false;
            return true;
        }

        private void OnReadable(Exception? failure)
        {
            _waiting = false;
            if (_closed)
                return;
            if (failure is not null)
            {
                Fail(failure);
                return;
            }
            _drained = false;
            if (IsClosed(_stage._out) || IsAvailable(_stage._out))
                Read();
        }

        private void OnPeerClosed()
        {
            if (!IsClosed(_stage._out))
                Complete(_stage._out);
            // Our side is done too (or was already): nothing more will be said, close.
            if (IsClosed(_stage._in) && !_writing)
                Close();
        }

        private void OnReadsCancelled(Exception cause)
        {
            if (cause is not SubscriptionWithCancelException.NonFailureCancellation)
            {
                Abort();
                FailStage(cause);
                return;
            }
            if (IsClosed(_stage._in) && !_writing)
            {
                Close();
                return;
            }
            // Nothing more will be read: close once the writes are done too, and keep draining reads meanwhile, so that
            // unread input does not turn the close into a reset that could destroy the last replies.
            if (!_waiting)
                Read();
        }

        private void Close()
        {
            if (_closed)
                return;
            _closed = true;
            try
            {
                if (!_outputShutdown)
                    _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already reset by the client: nothing to shut down gracefully.
            }
            _socket.Dispose();
            CompleteStage();
        }

        private void Abort()
        {
            if (_closed)
                return;
            _closed = true;
            try
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            catch (SocketException)
            {
                // The socket is already gone; disposing it is all that is left.
            }
            _socket.Dispose();
        }

        private void Fail(Exception cause)
        {
            var closedByPeer = cause is SocketException { SocketErrorCode: SocketError.ConnectionReset } or ObjectDisposedException;
            Abort();
            FailStage(closedByPeer ? new IOException($"the connection from {_stage._peer} was reset", cause) : cause);
        }
    }

}
