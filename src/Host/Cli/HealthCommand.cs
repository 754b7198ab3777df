using System.CommandLine;

namespace SmtpCollector.Host.Cli;

/// <summary>
/// <c>smtp-collector health [--http URL]</c>: asks a running collector's <c>/readyz</c>; exit 0 when ready, 1 otherwise.
/// For container health checks: no curl or wget needed in the image.
/// </summary>
public static class HealthCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "the collector's HTTP endpoint", DefaultValueFactory = _ => "http://127.0.0.1:8424" };
        var command = new Command("health", "Ask a running collector whether it is ready (its /readyz): exit 0 when it is, 1 when not") { http };
        command.SetAction(async (parse, cancellation) =>
        {
            var url = parse.GetValue(http)!.TrimEnd('/');
            if (!url.Contains("://", StringComparison.Ordinal))
                url = "http://" + url;
            using var client = new HttpClient { Timeout = Timeout };
            try
            {
                using var response = await client.GetAsync(new Uri(url + "/readyz"), cancellation);
                var body = await response.Content.ReadAsStringAsync(cancellation);
                Console.WriteLine($"{(int)response.StatusCode} {body}");
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                await Console.Error.WriteLineAsync($"smtp-collector health: {url}/readyz: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
