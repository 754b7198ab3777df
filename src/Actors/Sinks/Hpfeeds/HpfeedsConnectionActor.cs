using System.Buffers;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.Actors.Sinks.Hpfeeds;

/// <summary>
/// One connection to the broker: connect, read INFO, AUTH, subscribe the confirmation channel, then write batches one
/// write at a time. Any failure (refused, closed, an ERROR frame, a malformed frame, no progress within
/// <see cref="HpfeedsSettings.BrokerTimeout"/>) stops it, so that its backoff supervisor starts a new connection after
/// a growing pause; the publisher learns of it from <see cref="BrokerLost"/>. A failure is not thrown: it is an
/// expected event of a network service, and a thrown one would be logged by the supervisor as an error with a stack trace.
/// In confirm mode, after a batch is written a marker goes to the confirmation channel; the broker handles frames in
/// order, so its echo confirms every batch written before it.
/// </summary>
public sealed class HpfeedsConnectionActor : ReceiveActor, IWithTimers
{
    /// <summary>Frames from the broker are INFO, ERROR and our own markers: small. A larger length is a broken or hostile broker.</summary>
    private static readonly HpfeedsLimits IncomingLimits = new() { MaxFrameBytes = 64 * 1024 };
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly HpfeedsSettings _settings;
    private readonly IActorRef _publisher;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<(long Sequence, ReadOnlySequence<byte> Frames)> _writes = new();
    private readonly string _markerPrefix = Guid.NewGuid().ToString("N") + ":";
    private Stream? _stream;
    private bool _writing;
    private long _lastWritten = -1;
    private long _markerSent = -1;
    private long _confirmedUpTo = -1;
    private string _lostReason = "stopped";
    private bool _failed;

    public HpfeedsConnectionActor(HpfeedsSettings settings, IActorRef publisher)
    {
        _settings = settings;
        _publisher = publisher;
        Connecting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HpfeedsSettings settings, IActorRef publisher) =>
        Akka.Actor.Props.Create(() => new HpfeedsConnectionActor(settings, publisher));

    protected override void PreStart()
    {
        var self = Self;
        BrokerStream.OpenAsync(_settings, ConnectTimeout)
            .PipeTo(self, success: stream => new Opened(stream), failure: ex => new ReadEnded($"cannot connect: {ex.Message}"));
    }

    protected override void PostStop()
    {
        // Disposing the stream ends the reading task (its read throws) and any write in progress.
        _stream?.Dispose();
        _publisher.Tell(new BrokerLost(Self, _lostReason));
    }

    private void Connecting()
    {
        Receive<Opened>(opened =>
        {
            _stream = opened.Stream;
            StartReading(opened.Stream);
            // A broker that accepts and then says nothing, or trickles an INFO that never ends, would hold this connection forever.
            Timers.StartSingleTimer(InfoTimerKey, new Stalled("no INFO"), _settings.BrokerTimeout);
            Become(AwaitingInfo);
        });
        Receive<ReadEnded>(ended => Fail(ended.Reason));
    }

    private void AwaitingInfo()
    {
        Receive<FrameReceived>(received =>
        {
            if (received.Frame is not InfoFrame info)
            {
                OnUnexpected(received.Frame);
                return;
            }
            Timers.Cancel(InfoTimerKey);
            var hello = new ArrayBufferWriter<byte>();
            FrameEncoder.Write(hello, AuthFrame.For(info, _settings.Ident, _settings.Secret));
            if (_settings.Confirm)
                FrameEncoder.Write(hello, new SubscribeFrame(_settings.Ident, _settings.ConfirmChannel));
            Write(new ReadOnlySequence<byte>(hello.WrittenMemory));
            // The operator's line comes from the publisher, once the connection takes messages.
            _log.Debug("connected to {0} ({1})", _settings, info.BrokerName);
            Timers.StartSingleTimer("stable", Stable.Instance, _settings.StableAfter);
            Become(Ready);
            // With confirmation, every message waits for a marker that only an authenticated identity gets back.
            if (_settings.Confirm)
                _publisher.Tell(new BrokerReady(Self));
            else
                Timers.StartSingleTimer("settled", AuthSettled.Instance, _settings.AuthSettle);
        });
        Receive<ReadEnded>(ended => Fail(ended.Reason));
        Receive<Stalled>(OnStalled);
    }

    private void Ready()
    {
        Receive<WriteBatch>(batch =>
        {
            _writes.Enqueue((batch.Sequence, batch.Frames));
            WriteNext();
        });
        Receive<Written>(written =>
        {
            _writing = false;
            Timers.Cancel(WriteTimerKey);
            if (written.Sequence >= 0)
            {
                _lastWritten = written.Sequence;
                if (!_settings.Confirm)
                    _publisher.Tell(new BatchWritten(Self, written.Sequence));
            }
            SendMarkerIfDue();
            WriteNext();
        });
        Receive<FrameReceived>(received =>
        {
            if (received.Frame is PublishFrame publish && publish.Channel == _settings.ConfirmChannel)
                OnMarker(publish);
            else
                OnUnexpected(received.Frame);
        });
        Receive<Stable>(_ => Context.Parent.Tell(BackoffSupervisor.Reset.Instance));
        Receive<AuthSettled>(_ => _publisher.Tell(new BrokerReady(Self)));
        Receive<ReadEnded>(ended => Fail(ended.Reason));
        Receive<Stalled>(OnStalled);
    }

    private void OnMarker(PublishFrame publish)
    {
        var text = Encoding.UTF8.GetString(publish.Payload.Span);
        if (!text.StartsWith(_markerPrefix, StringComparison.Ordinal) || !long.TryParse(text.AsSpan(_markerPrefix.Length), out var sequence)
            || sequence != _markerSent)
            return;
        _markerSent = -1;
        Timers.Cancel(ConfirmTimerKey);
        _confirmedUpTo = sequence;
        _publisher.Tell(new BatchesConfirmed(Self, sequence));
        SendMarkerIfDue();
        WriteNext();
    }

    /// <summary>One marker at a time, covering everything written when it was sent.</summary>
    private void SendMarkerIfDue()
    {
        if (!_settings.Confirm || _markerSent >= 0 || _lastWritten <= _confirmedUpTo)
            return;
        _markerSent = _lastWritten;
        // A broker that takes frames but never echoes the marker would keep the window full for good.
        Timers.StartSingleTimer(ConfirmTimerKey, new Stalled("no confirmation marker echoed"), _settings.BrokerTimeout);
        var marker = new ArrayBufferWriter<byte>();
        FrameEncoder.WritePublish(marker, _settings.Ident, _settings.ConfirmChannel, Encoding.UTF8.GetBytes(_markerPrefix + _lastWritten));
        _writes.Enqueue((-1, new ReadOnlySequence<byte>(marker.WrittenMemory)));
    }

    private void WriteNext()
    {
        if (_writing || !_writes.TryDequeue(out var next))
            return;
        Write(next.Frames, next.Sequence);
    }

    private void Write(ReadOnlySequence<byte> bytes, long sequence = -1)
    {
        _writing = true;
        // A broker that stops reading fills the TCP window and the write never completes.
        Timers.StartSingleTimer(WriteTimerKey, new Stalled("a write not taken"), _settings.BrokerTimeout);
        WriteAllAsync(_stream!, bytes)
            .PipeTo(Self, success: () => new Written(sequence), failure: ex => new ReadEnded($"write failed: {ex.Message}"));
    }

    private static async Task WriteAllAsync(Stream stream, ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
            await stream.WriteAsync(segment);
    }

    private void OnUnexpected(Frame frame)
    {
        if (frame is ErrorFrame error)
        {
            // The publisher logs the failure with this reason; the restart that follows waits out the backoff, so an auth
            // error never loops tightly.
            _log.Debug("broker {0}:{1} sent ERROR: {2}", _settings.Host, _settings.Port, error.Message);
            Fail($"broker error: {error.Message}");
            return;
        }
        Fail($"unexpected {frame.Opcode} frame from the broker");
    }

    private void OnStalled(Stalled stalled) => Fail($"{stalled.What} within {_settings.BrokerTimeout}");

    private void Fail(string reason)
    {
        if (_failed)
            return;
        _failed = true;
        _lostReason = reason;
        Context.Stop(Self);
    }

    /// <summary>Reads and decodes frames until the stream ends; touches nothing but its own decoder and buffer.</summary>
    private void StartReading(Stream stream)
    {
        var self = Self;
        _ = Task.Run(async () =>
        {
            var decoder = new FrameDecoder(IncomingLimits);
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        self.Tell(new ReadEnded("the broker closed the connection"));
                        return;
                    }
                    if (!Decode(decoder, buffer.AsSpan(0, read), self))
                        return;
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                self.Tell(new ReadEnded($"read failed: {ex.Message}"));
            }
        });
    }

    private static bool Decode(FrameDecoder decoder, ReadOnlySpan<byte> input, IActorRef self)
    {
        while (decoder.TryDecode(ref input, out var frame, out var error))
            self.Tell(new FrameReceived(frame));
        if (decoder.Error is { } failed)
        {
            self.Tell(new ReadEnded($"malformed frame from the broker: {failed}"));
            return false;
        }
        return true;
    }

    // The reading task and a write in progress report to the connection after it has stopped (a failure stops it, and
    // the stop ends them): expected, so not logged as dead letters.
    private const string InfoTimerKey = "info";
    private const string WriteTimerKey = "write";
    private const string ConfirmTimerKey = "confirm";

    private sealed record Opened(Stream Stream);

    private sealed record Stalled(string What) : IDeadLetterSuppression;

    private sealed record FrameReceived(Frame Frame) : IDeadLetterSuppression;

    private sealed record ReadEnded(string Reason) : IDeadLetterSuppression;

    private sealed record Written(long Sequence) : IDeadLetterSuppression;

    private sealed record AuthSettled
    {
        public static readonly AuthSettled Instance = new();
    }

    private sealed record Stable
    {
        public static readonly Stable Instance = new();
    }
}
