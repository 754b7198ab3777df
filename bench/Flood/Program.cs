using System.Globalization;
using System.Net;
using SmtpCollector.Bench.Flood;

// bench/flood.sh runs this: dotnet run --project bench/Flood -c Release -- --collector DLL --work DIR --out FILE [--only NAME] [--seconds N]
var options = Arguments.Parse(args);
const long InFlightBudget = 256L * 1024 * 1024;
const int SizeLimit = 10 * 1024 * 1024;
var hold = TimeSpan.FromSeconds(options.Seconds);

var scenarios = new Scenario[]
{
    new("idle-2000-raised", "2,000 connections that say nothing (max_connections 2100)", 2100,
        (ep, o) => Loads.IdleAsync(ep, o, 2000, hold)),
    new("idle-2000-default", "2,000 connections that say nothing (max_connections 100, the default)", 100,
        (ep, o) => Loads.IdleAsync(ep, o, 2000, hold)),
    new("slow-50", "50 clients sending one byte per second", 2100,
        (ep, o) => Loads.SlowAsync(ep, o, 50, hold)),
    new("pipeline-100k", "one client pipelining 100,000 NOOPs without reading", 2100,
        (ep, o) => Loads.PipelineAsync(ep, o, 100_000, hold)),
    new("pipeline-1m", "one client pipelining 1,000,000 NOOPs without reading", 2100,
        (ep, o) => Loads.PipelineAsync(ep, o, 1_000_000, hold)),
    new("size-limit-200", "200 parallel sessions, one 10 MiB message each (the size limit)", 2100,
        (ep, o) => Loads.AtTheSizeLimitAsync(ep, o, 200, SizeLimit)),
};

var rows = new List<string>();
foreach (var scenario in scenarios.Where(s => options.Only is null || s.Name == options.Only))
{
    Console.Error.WriteLine($"== {scenario.Name}: {scenario.What}");
    var sink = Path.Combine(options.Work, $"{scenario.Name}.jsonl");
    var config = Path.Combine(options.Work, $"{scenario.Name}.yml");
    await File.WriteAllTextAsync(config, string.Join('\n',
        "hostname: flood.bench",
        $"sink: file:{sink}",
        $"max_connections: {scenario.MaxConnections}",
        $"max_message_bytes: {SizeLimit}",
        $"max_in_flight_bytes: {InFlightBudget}",
        ""));
    var outcome = new Outcome();
    await using var collector = await Collector.StartAsync(options.Collector, config, Path.Combine(options.Work, $"{scenario.Name}.log"));

    // The JIT settles over the first transactions: they are stored and counted, but not in the probe's figures.
    for (var i = 0; i < 30; i++)
        await Probe.OnceAsync(collector.EndPoint, outcome, record: false);
    var rssAfterWarmUp = collector.StatusKb("VmRSS");
    collector.StartSampling();

    using var stopProbe = new CancellationTokenSource();
    var probe = Probe.RunAsync(collector.EndPoint, outcome, stopProbe.Token);
    await scenario.Load(collector.EndPoint, outcome);
    await stopProbe.CancelAsync();
    await probe;

    var hwm = collector.StatusKb("VmHWM");
    var stored = SinkFile.Hashes(sink);
    var confirmed = outcome.Confirmed.ToHashSet(StringComparer.Ordinal);
    var lost = confirmed.Count(h => !stored.Contains(h));
    var row = Report.Row(scenario, outcome, rssAfterWarmUp, collector.PeakSampledKb, hwm, InFlightBudget, stored.Count, confirmed.Count, lost);
    Console.Error.WriteLine(row);
    rows.Add(row);
}

await File.WriteAllTextAsync(options.Out, Report.Document(options.Command, hold, rows));
Console.Error.WriteLine($"== written to {options.Out}");

namespace SmtpCollector.Bench.Flood
{
    internal sealed record Scenario(string Name, string What, int MaxConnections, Func<IPEndPoint, Outcome, Task> Load);

    internal sealed record Arguments(string Collector, string Work, string Out, string Command, string? Only, int Seconds)
    {
        public static Arguments Parse(string[] args)
        {
            string Value(string name, string? fallback = null)
            {
                var at = Array.IndexOf(args, name);
                return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback ?? throw new ArgumentException($"{name} is required");
            }
            return new Arguments(Value("--collector"), Value("--work"), Value("--out"), Value("--command", "(not given)"),
                Array.IndexOf(args, "--only") >= 0 ? Value("--only") : null, int.Parse(Value("--seconds", "30"), CultureInfo.InvariantCulture));
        }
    }
}
