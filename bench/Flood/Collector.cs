using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace SmtpCollector.Bench.Flood;

/// <summary>The published collector as a child process on a port of its own choosing, its output in a log file, its memory sampled.</summary>
internal sealed partial class Collector : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopSampling = new();
    private Task? _sampling;
    private long _peakSampledKb;

    private Collector(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public IPEndPoint EndPoint { get; private set; } = null!;

    public long PeakSampledKb => Interlocked.Read(ref _peakSampledKb);

    public static async Task<Collector> StartAsync(string dll, string config, string logPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "lmtp", "--config", config, "--listen", "127.0.0.1:0", "--http", "none" })
            start.ArgumentList.Add(argument);
        var collector = new Collector(new Process { StartInfo = start }, new StreamWriter(logPath) { AutoFlush = false });
        collector._process.OutputDataReceived += (_, e) => collector.Record(e.Data);
        collector._process.ErrorDataReceived += (_, e) => collector.Record(e.Data);
        collector._process.Start();
        collector._process.BeginOutputReadLine();
        collector._process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        collector.EndPoint = await collector._listening.Task.WaitAsync(deadline.Token);
        return collector;
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.WriteLine(line);
        if (ListeningLine().Match(line) is { Success: true } match)
            _listening.TrySetResult(IPEndPoint.Parse(match.Groups[1].Value));
    }

    /// <summary>A field of /proc/PID/status in kB (VmRSS, VmHWM).</summary>
    public long StatusKb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"{field} not in /proc/{_process.Id}/status");
    }

    /// <summary>Samples VmRSS every 100 ms from now on; <see cref="PeakSampledKb"/> is the largest seen.</summary>
    public void StartSampling()
    {
        Interlocked.Exchange(ref _peakSampledKb, StatusKb("VmRSS"));
        _sampling = Task.Run(async () =>
        {
            while (!_stopSampling.IsCancellationRequested)
            {
                var rss = StatusKb("VmRSS");
                if (rss > Interlocked.Read(ref _peakSampledKb))
                    Interlocked.Exchange(ref _peakSampledKb, rss);
                try
                {
                    await Task.Delay(100, _stopSampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    /// <summary>SIGTERM, a bounded wait for the drain, then SIGKILL.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopSampling.CancelAsync();
        if (_sampling is not null)
            await _sampling;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        _process.Dispose();
        lock (_log)
            _log.Dispose();
        _stopSampling.Dispose();
    }

    [GeneratedRegex(@"LMTP listening on (\S+)")]
    private static partial Regex ListeningLine();
}
