using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace SmtpCollector.TestSupport;

/// <summary>The real smtp-collector program, started as a child process on a port of its own choosing (127.0.0.1:0).</summary>
public sealed partial class CollectorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CollectorProcess(Process process) => _process = process;

    public IPEndPoint EndPoint { get; private set; } = null!;

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    public static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "smtp-collector.dll");

    /// <summary>Starts <c>smtp-collector lmtp</c> with <paramref name="arguments"/> (plus <c>--listen 127.0.0.1:0</c> unless given) and waits until it listens.</summary>
    public static async Task<CollectorProcess> StartAsync(params string[] arguments)
    {
        // No HTTP endpoint unless a test asks for one: tests run collectors side by side, and the default port is one.
        var collector = Launch(["lmtp", .. arguments, .. arguments.Contains("--listen") ? Array.Empty<string>() : ["--listen", "127.0.0.1:0"],
            .. arguments.Contains("--http") ? Array.Empty<string>() : ["--http", "none"]]);
        using var deadline = new CancellationTokenSource(StartDeadline);
        var exited = collector._process.WaitForExitAsync(deadline.Token);
        var first = await Task.WhenAny(collector._listening.Task, exited);
        if (first != collector._listening.Task)
            throw new InvalidOperationException($"smtp-collector did not start listening:\n{collector.Output}");
        collector.EndPoint = await collector._listening.Task;
        // The LMTP listener can be up before Kestrel is: a test that asks the HTTP endpoint next must find it there.
        if (HttpArgument(arguments) is { } http)
            await collector.WaitForHttpAsync(http, deadline.Token);
        return collector;
    }

    private static IPEndPoint? HttpArgument(string[] arguments)
    {
        var at = Array.IndexOf(arguments, "--http");
        return at >= 0 && at + 1 < arguments.Length && IPEndPoint.TryParse(arguments[at + 1], out var endPoint) && endPoint.Port != 0 ? endPoint : null;
    }

    private async Task WaitForHttpAsync(IPEndPoint http, CancellationToken deadline)
    {
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(http, deadline);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (!_process.HasExited)
            {
                // Not bound yet: bounded by the start deadline, which cancels the connect.
                await Task.Delay(50, deadline);
            }
        }
    }

    /// <summary>Runs the program to its end (bounded) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(params string[] arguments)
    {
        await using var collector = Launch(arguments);
        using var deadline = new CancellationTokenSource(StartDeadline);
        await collector._process.WaitForExitAsync(deadline.Token);
        collector._process.WaitForExit();
        return (collector._process.ExitCode, collector.Output);
    }

    private static CollectorProcess Launch(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProgramPath);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var collector = new CollectorProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        collector._process.OutputDataReceived += (_, e) => collector.Record(e.Data);
        collector._process.ErrorDataReceived += (_, e) => collector.Record(e.Data);
        collector._process.Start();
        collector._process.BeginOutputReadLine();
        collector._process.BeginErrorReadLine();
        return collector;
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
        if (ListeningLine().Match(line) is { Success: true } match)
            _listening.TrySetResult(IPEndPoint.Parse(match.Groups[1].Value));
    }

    /// <summary>kill -9: no shutdown, no flush, nothing.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends the process a signal by name (<c>HUP</c>, <c>TERM</c>, ...) with kill(1), and waits for kill itself.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited {kill.ExitCode}");
    }

    /// <summary>Waits (bounded) for the process to end on its own; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var cancel = new CancellationTokenSource(deadline);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The output's lines that contain <paramref name="text"/>, in order.</summary>
    public IReadOnlyList<string> Lines(string text)
    {
        lock (_output)
            return _output.Where(line => line.Contains(text, StringComparison.Ordinal)).ToList();
    }

    /// <summary>Polls the output (bounded by <paramref name="within"/>) until <paramref name="count"/> lines contain <paramref name="text"/>; the last of them.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan within, int count = 1)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var lines = Lines(text);
            if (lines.Count >= count)
                return lines[count - 1];
            if (DateTime.UtcNow > deadline || _process.HasExited)
                throw new TimeoutException($"the collector did not log '{text}' {count} time(s) within {within}:\n{Output}");
            await Task.Delay(20);
        }
    }

    /// <summary>SIGTERM, then waits (bounded) for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan deadline)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cancel = new CancellationTokenSource(deadline);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, and the clean exit (0) it must lead to; anything else fails with the program's output.</summary>
    public async Task StopCleanlyAsync(TimeSpan deadline)
    {
        var exit = await TerminateAsync(deadline);
        if (exit != 0)
            throw new InvalidOperationException($"smtp-collector exited {exit} after SIGTERM, not 0:\n{Output}");
    }

    /// <summary>Starts the program with exactly <paramref name="arguments"/> and returns at once (e.g. replay, to signal it).</summary>
    public static CollectorProcess Run(params string[] arguments) => Launch(arguments);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }

    // The text line has the address bare; a json line (log_format: json) quotes it, escaped.
    [GeneratedRegex(@"LMTP listening on \\?""?([0-9A-Fa-f.:\[\]]+)")]
    private static partial Regex ListeningLine();
}
