using System.Net.Sockets;
using Akka.Event;
using Akka.IO;
using Akka.Streams.Stage;

namespace SmtpCollector.Actors.Sources.Lmtp;

// The writing half of the socket stage: one write in flight at a time, a partial send carried on, the output shut down
// once the writes are done.
public sealed partial class InboundTcpStage
{
    private sealed partial class Logic
    {
        private void OnWrite()
        {
            var data = Grab(_stage._in);
            int sent;
            SocketError error;
            try
            {
                sent = _socket.Send(data.ToReadOnlySpan(), SocketFlags.None, out error);
            }
            catch (ObjectDisposedException e)
            {
                Fail(e);
                return;
            }
            if (error == SocketError.WouldBlock)
                sent = 0;
            else if (error != SocketError.Success)
            {
                Fail(new IOException($"writing to {_stage._peer} failed: {error}"));
                return;
            }
            if (sent == data.Count)
            {
                Pull(_stage._in);
                return;
            }
            // The client is not reading its replies fast enough: the rest goes out when the socket has room.
            _writing = true;
            _unsent = data.Slice(sent).ToArray();
            SendRest();
        }

        /// <summary>Sends what is left of a write; on a non-blocking socket an asynchronous send may complete with only part of it.</summary>
        private void SendRest()
        {
            while (true)
            {
#pragma warning disable CA2012 // consumed once: GetResult in Result, inline or from the continuation
                _pendingWrite = _socket.SendAsync(_unsent, SocketFlags.None).GetAwaiter();
#pragma warning restore CA2012
                if (!_pendingWrite.IsCompleted)
                {
                    _pendingWrite.UnsafeOnCompleted(_writtenContinuation);
                    return;
                }
                var (sent, failure) = Result(_pendingWrite);
                if (failure is not null || sent == _unsent.Length)
                {
                    OnWritten((sent, failure));
                    return;
                }
                _unsent = _unsent[sent..];
            }
        }

        private void OnWritten((int Sent, Exception? Failure) outcome)
        {
            if (_closed)
                return;
            if (outcome.Failure is not null)
            {
                Fail(outcome.Failure);
                return;
            }
            if (outcome.Sent < _unsent.Length)
            {
                _unsent = _unsent[outcome.Sent..];
                SendRest();
                return;
            }
            _writing = false;
            _unsent = ReadOnlyMemory<byte>.Empty;
            if (IsClosed(_stage._in))
                OnWritesFinished();
            else
                Pull(_stage._in);
        }

        private void OnWritesFinished()
        {
            if (_writing || _closed)
                return;
            if (IsClosed(_stage._out))
            {
                Close();
                return;
            }
            // Half-close: the client reads our FIN after the last reply and may still send; the stage ends when it closes too.
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
                _outputShutdown = true;
            }
            catch (SocketException)
            {
                Close();
            }
        }

        private void OnWritesFailed(Exception cause)
        {
            Log.Debug("aborting the connection from {0}: {1}", _stage._peer, cause.Message);
            Abort();
            CompleteStage();
        }
    }
}
