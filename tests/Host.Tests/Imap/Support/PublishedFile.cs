using SmtpCollector.Host.Tests.Support;

namespace SmtpCollector.Host.Tests.Imap.Support;

public static class PublishedFile
{
    /// <summary>Polls the file sink (bounded) until a payload with <paramref name="sha256"/> is in it; returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForAsync(string path, string sha256, TimeSpan deadline, Func<string> context)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!Contains(path, sha256))
        {
            if (started.Elapsed > deadline)
                throw new TimeoutException($"{sha256} not published within {deadline}:\n{context()}");
            await Task.Delay(50);
        }
        return started.Elapsed;
    }

    // The sink may be in the middle of writing a line (a large message): that is "not yet", not an error.
    private static bool Contains(string path, string sha256)
    {
        try
        {
            return StoredPayload.ReadAll(path).Any(p => p.Sha256 == sha256);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
