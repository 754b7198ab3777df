using System.CommandLine;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Cli;

/// <summary><c>smtp-collector lmtp [--config FILE] [--listen HOST:PORT] [--sink file:PATH|raw:DIR]</c></summary>
public static class LmtpCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "YAML configuration file (see README, Configuration)" };
        var listen = new Option<string?>("--listen", "-l") { Description = "HOST:PORT to listen on for LMTP (default 127.0.0.1:2424)" };
        var sink = new Option<string?>("--sink", "-s") { Description = "file:PATH (json lines, default file:messages.jsonl) or raw:DIR (<sha256>.eml files)" };
        var feed = new Option<FileInfo?>("--feed-config", "-f") { Description = "hpfeeds broker configuration (the original's feed_config.yml): publish there instead of --sink" };
        var http = new Option<string?>("--http") { Description = "ADDRESS:PORT of the HTTP endpoint: /metrics, /healthz, /readyz (default 127.0.0.1:8424; none: off)" };

        var command = new Command("lmtp", "Run the catch-all LMTP server that Postfix delivers trapped mail to")
        {
            config, listen, sink, feed, http,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            CollectorOptions options;
            try
            {
                options = LoadOptions(parse.GetValue(config), parse.GetValue(listen), parse.GetValue(sink));
                if (parse.GetValue(http) is { } endpoint)
                    options = options with { Http = CollectorOptions.ParseHttp(endpoint, "--http") };
                if (parse.GetValue(feed) is { } feedFile)
                    options = options with { Feed = FeedOptions.Load(feedFile.FullName) };
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"smtp-collector: {ex.Message}");
                return 2;
            }
            return await Hosting.CollectorHost.RunAsync(options, cancellation);
        });
        return command;
    }

    public static CollectorOptions LoadOptions(FileInfo? file, string? listen, string? sink)
    {
        var config = file is null ? new CollectorConfig() : ConfigLoader.Load(file.FullName);
        if (listen is not null)
            config.Listen = listen;
        if (sink is not null)
            config.Sink = sink;
        return CollectorOptions.From(config, file?.FullName ?? "command line");
    }
}
