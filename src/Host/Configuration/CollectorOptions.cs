using System.Net;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Protocol.Lmtp;
using Serilog.Events;

namespace SmtpCollector.Host.Configuration;

public enum SinkKind
{
    File,
    Raw,
}

public sealed record SinkOptions(SinkKind Kind, string Path, bool Envelope)
{
    public static SinkOptions Parse(string value, bool envelope, string source)
    {
        var colon = value.IndexOf(':');
        var scheme = colon < 0 ? "" : value[..colon];
        var path = colon < 0 ? "" : value[(colon + 1)..];
        if (path.Length == 0 || scheme is not ("file" or "raw"))
            throw new ConfigException($"{source}: sink '{value}' is not file:PATH or raw:DIR");
        return new SinkOptions(scheme == "file" ? SinkKind.File : SinkKind.Raw, path, envelope);
    }
}

/// <summary>
/// The trap domains file, watched for changes; <see cref="FixedDomains"/> are the configuration's own list;
/// <see cref="Grace"/>: how long a domain removed from the file is still accepted.
/// </summary>
public sealed record DomainsFileOptions(string Path, IReadOnlyList<string> FixedDomains, string InitialText, TimeSpan PollInterval, TimeSpan Grace);

/// <summary>The validated configuration: the file's values, overridden by the command line, turned into settings.</summary>
public sealed record CollectorOptions(LmtpServerSettings Lmtp, SinkOptions Sink)
{
    /// <summary>Publish to this broker instead of the local sink (<c>--feed-config</c>).</summary>
    public Actors.Sinks.Hpfeeds.HpfeedsSettings? Feed { get; init; }

    public DomainsFileOptions? DomainsFile { get; init; }

    /// <summary>Where the HTTP endpoint (metrics, health) listens; none when off.</summary>
    public IPEndPoint? Http { get; init; }

    public TimeSpan SilenceWarning { get; init; } = TimeSpan.FromHours(1);

    public bool JsonLogs { get; init; }

    /// <summary>The least severe event logged (<c>log_level</c>); changed by a reload.</summary>
    public LogEventLevel LogLevel { get; init; } = LogEventLevel.Information;

    /// <summary>How long a domain removed from the trap domains (file or configuration) is still accepted.</summary>
    public TimeSpan DomainsGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Archive every message in this Maildir as well (<c>archive</c>, <c>--maildir</c>).</summary>
    public ArchiveOptions? Archive { get; init; }

    /// <summary>Summarise each message into the json payload (<c>summary: true</c>).</summary>
    public bool Summary { get; init; }

    /// <summary>This node's place in a cluster (<c>cluster:</c>); none: a single node, no remoting loaded.</summary>
    public ClusterNodeOptions? Cluster { get; init; }

    /// <summary>A cluster shares hpfeeds publishers (each node archives what it received): there must be some.</summary>
    public CollectorOptions CheckCluster(string source) =>
        Cluster is null ? this
        : Feed is null ? throw new ConfigException($"{source}: cluster: needs an hpfeeds broker (--feed-config): a cluster shares publishers")
        : this;

    public static CollectorOptions From(CollectorConfig config, string source)
    {
        var (host, port) = ParseListen(config.Listen, source);
        var domainsFile = ReadDomainsFile(config, source);
        TrapDomains domains;
        try
        {
            domains = new TrapDomains(config.Domains.Concat(domainsFile is null ? [] : TrapDomains.ParseList(domainsFile.InitialText)));
        }
        catch (ArgumentException ex)
        {
            throw new ConfigException($"{source}: {(domainsFile is null ? "domains" : $"domains or domains_file {domainsFile.Path}")}: {ex.Message}");
        }

        var lmtp = new LmtpServerSettings
        {
            Host = host,
            Port = port,
            HostName = config.Hostname.Length > 0 ? config.Hostname : Dns.GetHostName(),
            Domains = domains,
            Limits = new LmtpLimits
            {
                MaxCommandLineBytes = AtLeast(config.MaxCommandLineBytes, 512, "max_command_line_bytes", source),
                MaxMessageBytes = AtLeast(config.MaxMessageBytes, 1024, "max_message_bytes", source),
                MaxRecipients = AtLeast(config.MaxRecipients, 1, "max_recipients", source),
            },
            MaxConnections = AtLeast(config.MaxConnections, 1, "max_connections", source),
            CommandIdleTimeout = Seconds(config.CommandIdleTimeoutSeconds, "command_idle_timeout_seconds", source),
            DataIdleTimeout = Seconds(config.DataIdleTimeoutSeconds, "data_idle_timeout_seconds", source),
            MessageDeadline = Seconds(config.MessageDeadlineSeconds, "message_deadline_seconds", source),
            SinkDeadline = Seconds(config.SinkDeadlineSeconds, "sink_deadline_seconds", source),
            MaxInFlightBytes = AtLeast(config.MaxInFlightBytes, 64 * 1024, "max_in_flight_bytes", source),
            InFlightWait = Seconds(config.InFlightWaitSeconds, "in_flight_wait_seconds", source),
            ShutdownDeadline = Seconds(config.ShutdownDeadlineSeconds, "shutdown_deadline_seconds", source),
        };
        return new CollectorOptions(lmtp, SinkOptions.Parse(config.Sink, config.Envelope, source))
        {
            DomainsFile = domainsFile,
            Cluster = ClusterNodeOptions.From(config.Cluster, source),
            Archive = ArchiveOptions.From(config, source),
            Summary = config.Summary,
            Http = ParseHttp(config.HttpListen, source),
            JsonLogs = config.LogFormat switch
            {
                "text" => false,
                "json" => true,
                _ => throw new ConfigException($"{source}: log_format must be text or json, is '{config.LogFormat}'"),
            },
            LogLevel = ParseLogLevel(config.LogLevel, source),
            DomainsGrace = SecondsOrZero(config.DomainsGraceSeconds, "domains_grace_seconds", source),
            SilenceWarning = config.SilenceWarningMinutes > 0 && config.SilenceWarningMinutes <= 525_600
                ? TimeSpan.FromMinutes(config.SilenceWarningMinutes)
                : throw new ConfigException($"{source}: silence_warning_minutes must be between 0 and 525600, is {config.SilenceWarningMinutes}"),
        };
    }

    private static DomainsFileOptions? ReadDomainsFile(CollectorConfig config, string source)
    {
        if (string.IsNullOrEmpty(config.DomainsFile))
            return null;
        var path = System.IO.Path.GetFullPath(config.DomainsFile);
        try
        {
            return new DomainsFileOptions(path, config.Domains, File.ReadAllText(path), Seconds(config.DomainsPollSeconds, "domains_poll_seconds", source),
                SecondsOrZero(config.DomainsGraceSeconds, "domains_grace_seconds", source));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{source}: domains_file: cannot read {path}: {ex.Message}");
        }
    }

    public static LogEventLevel ParseLogLevel(string value, string source) => value.ToLowerInvariant() switch
    {
        "debug" => LogEventLevel.Debug,
        "information" or "info" => LogEventLevel.Information,
        "warning" or "warn" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        _ => throw new ConfigException($"{source}: log_level must be debug, information, warning or error, is '{value}'"),
    };

    public static (string Host, int Port) ParseListen(string listen, string source)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
            throw new ConfigException($"{source}: listen '{listen}' is not HOST:PORT");
        var host = listen[..colon].Trim('[', ']');
        return (host, port);
    }

    /// <summary>HOST:PORT with HOST an address (Kestrel binds addresses), or <c>none</c>.</summary>
    public static IPEndPoint? ParseHttp(string listen, string source)
    {
        if (listen.Equals("none", StringComparison.OrdinalIgnoreCase))
            return null;
        var colon = listen.LastIndexOf(':');
        if (colon > 0 && IPAddress.TryParse(listen[..colon].Trim('[', ']'), out var address)
            && int.TryParse(listen.AsSpan(colon + 1), out var port) && port is >= 0 and <= 65535)
            return new IPEndPoint(address, port);
        throw new ConfigException($"{source}: http_listen '{listen}' is not ADDRESS:PORT or none");
    }

    private static T AtLeast<T>(T value, T minimum, string key, string source) where T : System.Numerics.INumber<T> =>
        value >= minimum ? value : throw new ConfigException($"{source}: {key} must be at least {minimum}, is {value}");

    private static TimeSpan Seconds(double value, string key, string source) =>
        value > 0 && value <= 86_400 ? TimeSpan.FromSeconds(value) : throw new ConfigException($"{source}: {key} must be between 0 and 86400 seconds, is {value}");

    // For a period that may be off (0), unlike a timeout.
    private static TimeSpan SecondsOrZero(double value, string key, string source) =>
        value >= 0 && value <= 86_400 ? TimeSpan.FromSeconds(value) : throw new ConfigException($"{source}: {key} must be from 0 to 86400 seconds, is {value}");
}
