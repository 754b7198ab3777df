using System.Globalization;
using System.Text;

namespace SmtpCollector.Bench.Flood;

/// <summary>The markdown table of bench/flood-results.md.</summary>
internal static class Report
{
    public const string Header =
        "| scenario | load: replies by code | probe: transactions by code | probe latency p50 / p99 / max (ms) | RSS after warm-up | peak RSS sampled / VmHWM | budget (max_in_flight_bytes) | messages sent / 250 / stored | notes |\n" +
        "|---|---|---|---:|---:|---:|---:|---|---|";

    public static string Row(Scenario scenario, Outcome outcome, long rssKb, long peakSampledKb, long hwmKb, long budget, int stored, int confirmed, int lost)
    {
        var latencies = outcome.ProbeLatenciesMs.Order().ToArray();
        var probe = latencies.Length == 0
            ? "none served"
            : $"{Percentile(latencies, 0.50):F0} / {Percentile(latencies, 0.99):F0} / {latencies[^1]:F0}";
        var messages = $"{outcome.Sent} / {confirmed} / {stored}" + (lost > 0 ? $" (**{lost} confirmed but not stored**)" : "");
        return string.Join(" | ",
            $"| {scenario.Name}: {scenario.What}",
            outcome.Load.ToString(),
            outcome.Probe.ToString(),
            probe,
            Mb(rssKb),
            $"{Mb(peakSampledKb)} / {Mb(hwmKb)}",
            $"{budget / 1024 / 1024} MiB",
            messages,
            outcome.Notes + " |");
    }

    public static string Document(string command, TimeSpan hold, IEnumerable<string> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("# Flood benchmark results").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; loads last {hold.TotalSeconds:F0} s).").AppendLine();
        text.AppendLine("Each scenario starts a fresh collector (the Release build in bench/out, file sink on /dev/shm, max_message_bytes 10 MiB,");
        text.AppendLine("max_in_flight_bytes 256 MiB, the other settings at their defaults), warms it up with 30 transactions, then runs the load");
        text.AppendLine("while a probe client runs one full LHLO/MAIL/RCPT/DATA transaction on a new connection every 200 ms. Probe latency is");
        text.AppendLine("over its 250s only. RSS is the collector's (/proc/PID/status), sampled every 100 ms; VmHWM includes start-up.");
        text.AppendLine("\"sent\" counts messages whose bytes were sent (warm-up, probe and load), \"250\" those confirmed, \"stored\" the sink file's lines.").AppendLine();
        text.AppendLine(Header);
        foreach (var row in rows)
            text.AppendLine(row);
        return text.ToString();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Mb(long kb) => string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:F0} MB");
}

/// <summary>The sink file's sha256 per line: every line begins <c>{"sha256":"HEX"</c>, so only the start of each (large) line is read.</summary>
internal static class SinkFile
{
    private const int Prefix = 11;

    public static HashSet<string> Hashes(string path)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return hashes;
        using var file = File.OpenRead(path);
        var buffer = new byte[1 << 20];
        var head = new byte[Prefix + 64];
        var filled = 0;
        var inHead = true;
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            while (!span.IsEmpty)
            {
                if (inHead)
                {
                    var take = Math.Min(head.Length - filled, span.Length);
                    span[..take].CopyTo(head.AsSpan(filled));
                    filled += take;
                    span = span[take..];
                    if (filled == head.Length)
                    {
                        hashes.Add(Encoding.ASCII.GetString(head, Prefix, 64));
                        inHead = false;
                    }
                    continue;
                }
                var newline = span.IndexOf((byte)'\n');
                if (newline < 0)
                    break;
                span = span[(newline + 1)..];
                inHead = true;
                filled = 0;
            }
        }
        return hashes;
    }
}
