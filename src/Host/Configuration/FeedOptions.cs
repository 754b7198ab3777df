using System.Globalization;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Host.Configuration;

public static class FeedOptions
{
    public static HpfeedsSettings Load(string path)
    {
        var config = ConfigLoader.Load<FeedConfig>(path);
        try
        {
            return From(config, path);
        }
        catch (ConfigException ex)
        {
            throw ConfigLoader.Located(ex, path);
        }
    }

    public static HpfeedsSettings From(FeedConfig config, string source)
    {
        if (config.Broker.Length == 0)
            throw new ConfigException($"{source}: broker is missing");
        if (!int.TryParse(config.Port.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new ConfigException($"{source}: port '{config.Port}' is not a TCP port");
        if (config.Identity.Length == 0)
            throw new ConfigException($"{source}: identity is missing");
        if (config.Channels.Count == 0 || config.Channels.Any(c => c.Length == 0))
            throw new ConfigException($"{source}: channels must list at least one channel name");
        if (config.Window < 1)
            throw new ConfigException($"{source}: window must be at least 1, is {config.Window}");
        if (config.MinBackoffSeconds <= 0 || config.MaxBackoffSeconds < config.MinBackoffSeconds)
            throw new ConfigException($"{source}: min_backoff_seconds must be above 0 and at most max_backoff_seconds, is {config.MinBackoffSeconds}");

        return new HpfeedsSettings
        {
            Host = config.Broker,
            Port = port,
            Ident = config.Identity,
            Secret = Secret(config, source),
            Channels = config.Channels,
            Tls = config.Tls,
            CaFile = config.CaFile,
            ServerName = config.ServerName,
            Confirm = config.Confirm,
            ConfirmChannelName = config.ConfirmChannel,
            Format = config.Format switch
            {
                "json" => PayloadFormat.Json,
                "raw" => PayloadFormat.Raw,
                _ => throw new ConfigException($"{source}: format '{config.Format}' is not json or raw"),
            },
            Envelope = config.Envelope,
            MaxPayloadBytesSetting = config.MaxPayloadBytes is { } max and < 1 ? throw new ConfigException($"{source}: max_payload_bytes must be positive, is {max}") : config.MaxPayloadBytes,
            Oversize = config.Oversize switch
            {
                "spool" => OversizePolicy.Spool,
                "reject" => OversizePolicy.Reject,
                _ => throw new ConfigException($"{source}: oversize '{config.Oversize}' is not spool or reject"),
            },
            SpoolDirectory = config.SpoolDirectory,
            Window = config.Window,
            MinBackoff = TimeSpan.FromSeconds(config.MinBackoffSeconds),
            MaxBackoff = TimeSpan.FromSeconds(config.MaxBackoffSeconds),
            AuthSettle = config.AuthSettleSeconds is >= 0 and <= 60 ? TimeSpan.FromSeconds(config.AuthSettleSeconds) : throw new ConfigException($"{source}: auth_settle_seconds must be between 0 and 60, is {config.AuthSettleSeconds}"),
            BrokerTimeout = config.BrokerTimeoutSeconds is > 0 and <= 3600 ? TimeSpan.FromSeconds(config.BrokerTimeoutSeconds) : throw new ConfigException($"{source}: broker_timeout_seconds must be between 0 and 3600, is {config.BrokerTimeoutSeconds}"),
        };
    }

    /// <summary>Exactly one source for the secret. Errors name where it was looked for, never what it is.</summary>
    private static string Secret(FeedConfig config, string source)
    {
        var given = new[] { config.Secret is not null, config.SecretEnv is not null, config.SecretFile is not null }.Count(b => b);
        if (given != 1)
            throw new ConfigException($"{source}: give the broker secret exactly once: secret, secret_env or secret_file");
        if (config.Secret is { } secret)
            return secret;
        if (config.SecretEnv is { } variable)
            return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnv
                ? fromEnv
                : throw new ConfigException($"{source}: secret_env names {variable}, which is not set");
        try
        {
            return File.ReadAllText(config.SecretFile!).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{source}: cannot read secret_file {config.SecretFile}: {ex.GetType().Name}");
        }
    }
}
