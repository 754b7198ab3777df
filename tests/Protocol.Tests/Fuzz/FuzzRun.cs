using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using CsCheck;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// Runs a property over generated inputs. CsCheck's own <c>seed:</c> fixes only the first iteration, so the loop is ours:
/// iteration i is generated from a PCG seeded from (FUZZ_SEED, i), the same on every machine. A failing input is handed
/// to CsCheck's <c>Sample</c> with its seed, which reproduces it and shrinks it.
/// <para>
/// Environment (bench/fuzz.sh sets them; unset, every property runs its CI count from the CI seed):
/// FUZZ_ITERATIONS (iterations per property), FUZZ_SEED (decimal or 0x hex), FUZZ_SECONDS (a time budget per property),
/// FUZZ_REPORT (a file that gets one line per property run: name, executions, seed, seconds).
/// </para>
/// </summary>
internal static class FuzzRun
{
    public const ulong CiSeed = 0x5EED_2024_C0FF_EE42;

    private static readonly Lock ReportLock = new();

    public static ulong Seed { get; } = ParseSeed(Environment.GetEnvironmentVariable("FUZZ_SEED")) ?? CiSeed;

    private static readonly long? IterationsOverride = ParseLong(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"));
    private static readonly double? Seconds = ParseDouble(Environment.GetEnvironmentVariable("FUZZ_SECONDS"));

    public static long Check<T>(Gen<T> gen, Action<T> property, long ciIterations, Func<T, string>? print = null,
        [CallerMemberName] string name = "")
    {
        var iterations = IterationsOverride ?? ciIterations;
        var stream = StableHash(name);
        var clock = Stopwatch.StartNew();
        long executed = 0;
        for (long i = 0; i < iterations; i++)
        {
            if (Seconds is { } budget && clock.Elapsed.TotalSeconds >= budget)
                break;
            var pcg = new PCG(stream, Mix(Seed, (ulong)i));
            var seed = pcg.ToString();
            var value = gen.Generate(pcg, null!, out _);
            try
            {
                property(value);
            }
            catch (Exception e)
            {
                Report(name, executed + 1, clock.Elapsed, failed: true);
                throw Shrunk(gen, property, print, seed, i, e);
            }
            executed++;
        }
        Report(name, executed, clock.Elapsed, failed: false);
        return executed;
    }

    private static FuzzFailure Shrunk<T>(Gen<T> gen, Action<T> property, Func<T, string>? print, string seed, long iteration, Exception original)
    {
        var where = $"FUZZ_SEED=0x{Seed:X16}, iteration {iteration}, CsCheck seed {seed}";
        try
        {
            gen.Sample(property, seed: seed, iter: 2000, threads: 1, print: print);
        }
        catch (Exception shrunk)
        {
            return new FuzzFailure($"{where}; shrunk by CsCheck:\n{shrunk.Message}", shrunk);
        }
        return new FuzzFailure($"{where}; did not fail again under CsCheck (not deterministic?): {original.Message}", original);
    }

    private static void Report(string name, long executed, TimeSpan elapsed, bool failed)
    {
        var path = Environment.GetEnvironmentVariable("FUZZ_REPORT");
        if (string.IsNullOrEmpty(path))
            return;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name}\t{executed}\t0x{Seed:X16}\t{elapsed.TotalSeconds:F1}\t{(failed ? "FAILED" : "ok")}\n");
        lock (ReportLock)
            File.AppendAllText(path, line);
    }

    // SplitMix64: neighbouring iteration numbers give unrelated PCG states.
    private static ulong Mix(ulong seed, ulong i)
    {
        var z = seed + (i + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // string.GetHashCode is randomised per process; each property needs its own stream, stable across runs.
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
            hash = (hash ^ c) * 16777619u;
        return hash;
    }

    private static ulong? ParseSeed(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(text, CultureInfo.InvariantCulture);
    }

    private static long? ParseLong(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : long.Parse(text, CultureInfo.InvariantCulture);

    private static double? ParseDouble(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : double.Parse(text, CultureInfo.InvariantCulture);
}

internal sealed class FuzzFailure(string message, Exception inner) : Exception(message, inner);
