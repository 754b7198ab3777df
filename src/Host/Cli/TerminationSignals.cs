using System.Runtime.InteropServices;

namespace SmtpCollector.Host.Cli;

/// <summary>
/// SIGINT and SIGTERM as a cancellation token, for a command that runs no host lifetime of its own (replay): the first
/// one asks the command to stop and say where it got to, instead of the runtime ending the process mid-sentence.
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private bool _disposed;

    public TerminationSignals()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cancel.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // A handler already running when Dispose unregisters it still runs: it must not cancel a disposed source.
        lock (_lock)
        {
            if (!_disposed)
                _cancel.Cancel();
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        lock (_lock)
        {
            _disposed = true;
            _cancel.Dispose();
        }
    }
}
