using System.Diagnostics;
using System.Globalization;

namespace SmtpCollector.Host.Tests.Imap.Support;

/// <summary>The real program running <c>smtp-collector imap ...</c> as a child process, with its output kept.</summary>
public sealed class ImapCollectorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ImapCollectorProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    public bool HasExited => _process.HasExited;

    public static ImapCollectorProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CollectorProcess.ProgramPath);
        start.ArgumentList.Add("imap");
        // No HTTP endpoint unless a test asks for one: tests run collectors side by side, and the default port is one.
        foreach (var argument in arguments.Contains("--http") ? arguments : [.. arguments, "--http", "none"])
            start.ArgumentList.Add(argument);
        var collector = new ImapCollectorProcess(new Process { StartInfo = start });
        collector._process.OutputDataReceived += (_, e) => collector.Record(e.Data);
        collector._process.ErrorDataReceived += (_, e) => collector.Record(e.Data);
        collector._process.Start();
        collector._process.BeginOutputReadLine();
        collector._process.BeginErrorReadLine();
        return collector;
    }

    /// <summary>Runs one pass to its end (bounded) and returns the exit code and the output.</summary>
    public static async Task<(int ExitCode, string Output, TimeSpan Took)> RunAsync(params string[] arguments)
    {
        var started = Stopwatch.StartNew();
        await using var collector = Start(arguments);
        var exitCode = await collector.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exitCode, collector.Output, started.Elapsed);
    }

    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var cancel = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"smtp-collector imap did not exit within {deadline}:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits (bounded) until a line of output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > until || _process.HasExited)
                throw new TimeoutException($"no '{text}' in the output within {deadline}:\n{Output}");
            await Task.Delay(50);
        }
    }

    public async Task<int> TerminateAsync(TimeSpan deadline)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        return await WaitForExitAsync(deadline);
    }

    /// <summary>SIGTERM, and the clean exit (0) it must lead to; anything else fails with the program's output.</summary>
    public async Task StopCleanlyAsync(TimeSpan deadline)
    {
        var exit = await TerminateAsync(deadline);
        if (exit != 0)
            throw new InvalidOperationException($"smtp-collector imap exited {exit} after SIGTERM, not 0:\n{Output}");
    }

    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
    }
}
