using System.Diagnostics;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>Debian's Chromium, headless, as a browser sees a page: the DOM after it rendered (scripts, if any, run).</summary>
public static class HeadlessChromium
{
    public static async Task<string> DumpDomAsync(string url)
    {
        using var profile = new TempDirectory();
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // As root, and on a machine with no network but loopback: no sandbox, and none of its background connections.
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.Path}", "--dump-dom", url,
                 })
            start.ArgumentList.Add(argument);
        using var chromium = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var dom = chromium.StandardOutput.ReadToEndAsync();
        var errors = chromium.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await chromium.WaitForExitAsync(timeout.Token);
        await errors;
        return await dom;
    }
}
