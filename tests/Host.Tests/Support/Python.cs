using System.Diagnostics;
using Xunit;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>Runs a Python script (python3 -c): the tests check what the collector wrote with Python's own readers.</summary>
public static class Python
{
    /// <returns>What the script wrote to stdout; the test fails with its stderr when it exits non-zero.</returns>
    public static async Task<string> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, await error);
        return await output;
    }
}
