using System.Diagnostics;
using System.Net;

namespace SmtpCollector.Bench.Flood;

/// <summary>The well-behaved client beside the flood: a full transaction every 200 ms (never two at once), its latency recorded.</summary>
internal static class Probe
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TransactionDeadline = TimeSpan.FromSeconds(120);
    private static int _next;

    public static async Task RunAsync(IPEndPoint endPoint, Outcome outcome, CancellationToken stop)
    {
        var due = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            await OnceAsync(endPoint, outcome, record: true);
            due += (long)(Interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait <= TimeSpan.Zero)
            {
                due = Stopwatch.GetTimestamp();
                continue;
            }
            try
            {
                await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>One transaction; <paramref name="record"/>: its code and latency go into the probe's figures (the warm-up's do not).</summary>
    public static async Task OnceAsync(IPEndPoint endPoint, Outcome outcome, bool record)
    {
        using var deadline = new CancellationTokenSource(TransactionDeadline);
        var (reply, sent, ms) = await Transaction.RunAsync(endPoint, Transaction.Small($"probe-{Interlocked.Increment(ref _next)}"), deadline.Token);
        if (sent)
            Interlocked.Increment(ref outcome.Sent);
        if (Transaction.StoredAs(reply) is { } sha256)
            outcome.Confirmed.Add(sha256);
        if (!record)
            return;
        var code = LmtpClient.Code(reply);
        outcome.Probe.Add(code);
        if (code == "250 2.0.0")
            outcome.ProbeLatenciesMs.Add(ms);
    }
}
