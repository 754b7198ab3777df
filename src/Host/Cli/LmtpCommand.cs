using System.CommandLine;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Cli;

/// <summary>
/// <c>smtp-collector lmtp [--config FILE] [--listen HOST:PORT] [--sink file:PATH|raw:DIR] [-f FEED_CONFIG] [-p PORT] [-m DIR]</c>;
/// <c>-f</c>, <c>-p</c> and <c>-m</c> are the original collector's flags and mean what they meant there.
/// </summary>
public static class LmtpCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "YAML configuration file (see README, Configuration)" };
        var listen = new Option<string?>("--listen", "-l") { Description = "HOST:PORT to listen on for LMTP (default 127.0.0.1:2424)" };
        var sink = new Option<string?>("--sink", "-s") { Description = "file:PATH (json lines, default file:messages.jsonl) or raw:DIR (<sha256>.eml files)" };
        var feed = new Option<FileInfo?>("--feed-config", "-f") { Description = "[from the original] hpfeeds broker configuration (the original's feed_config.yml): publish there instead of --sink" };
        var port = new Option<int?>("--port", "-p") { Description = "[from the original] LMTP port on the configured host (overrides the port of --listen)" };
        var maildir = new Option<string?>("--maildir", "-m") { Description = "[from the original] also archive every message in this Maildir (archive: maildir:DIR); 250 only when both have it" };
        var http = new Option<string?>("--http") { Description = "ADDRESS:PORT of the HTTP endpoint: /metrics, /healthz, /readyz, the status page (default 127.0.0.1:8424; none: off)" };

        var command = new Command("lmtp", "Run the catch-all LMTP server that Postfix delivers trapped mail to")
        {
            config, listen, sink, feed, port, maildir, http,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            // Read again, the same way, on every reload (SIGHUP): the files may have changed, the command line has not.
            CollectorOptions Load()
            {
                var options = LoadOptions(parse.GetValue(config), parse.GetValue(listen), parse.GetValue(sink), parse.GetValue(port), parse.GetValue(maildir));
                if (parse.GetValue(http) is { } endpoint)
                    options = options with { Http = CollectorOptions.ParseHttp(endpoint, "--http") };
                if (parse.GetValue(feed) is { } feedFile)
                    options = options with { Feed = FeedOptions.Load(feedFile.FullName) };
                return options.CheckCluster(parse.GetValue(config)?.FullName ?? "command line");
            }

            CollectorOptions options;
            try
            {
                options = Load();
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"smtp-collector: {ex.Message}");
                return 2;
            }
            return await Hosting.CollectorHost.RunAsync(options, Load, cancellation);
        });
        return command;
    }

    public static CollectorOptions LoadOptions(FileInfo? file, string? listen, string? sink, int? port = null, string? maildir = null)
    {
        var config = file is null ? new CollectorConfig() : ConfigLoader.Load(file.FullName);
        if (listen is not null)
            config.Listen = listen;
        if (port is not null)
        {
            if (port is < 0 or > 65535)
                throw new ConfigException($"command line: --port {port} is not a TCP port");
            var (host, _) = CollectorOptions.ParseListen(config.Listen, file?.FullName ?? "command line");
            config.Listen = $"{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}";
        }
        if (maildir is not null)
            config.Archive = $"maildir:{maildir}";
        if (sink is not null)
            config.Sink = sink;
        try
        {
            return CollectorOptions.From(config, file?.FullName ?? "command line");
        }
        catch (ConfigException ex) when (file is not null)
        {
            throw ConfigLoader.Located(ex, file.FullName);
        }
    }
}
