using System.Collections.Concurrent;

namespace SmtpCollector.Bench.Flood;

/// <summary>Counts by key, from any thread; prints as "250 2.0.0: 12, 452 4.3.1: 3".</summary>
internal sealed class Tally
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public void Add(string key, int count = 1) => _counts.AddOrUpdate(key, count, (_, old) => old + count);

    public int this[string key] => _counts.GetValueOrDefault(key);

    public int CountWhere(Func<string, bool> match) => _counts.Where(p => match(p.Key)).Sum(p => p.Value);

    public override string ToString() =>
        _counts.IsEmpty ? "-" : string.Join(", ", _counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));
}

/// <summary>What one scenario's load and probe saw.</summary>
internal sealed class Outcome
{
    public Tally Load { get; } = new();
    public Tally Probe { get; } = new();
    public ConcurrentBag<double> ProbeLatenciesMs { get; } = [];

    /// <summary>sha256 of every message answered 250 (load and probe), as the reply names it.</summary>
    public ConcurrentBag<string> Confirmed { get; } = [];

    public int Sent;
    public string Notes { get; set; } = "";
}
