namespace SmtpCollector.Host.Configuration;

/// <summary>
/// The broker configuration (<c>--feed-config</c>): the original's feed_config.yml keys (broker, port, identity, secret,
/// channels, tls) read as they are, plus this collector's options. The secret may come from <c>secret_env</c> (an
/// environment variable's name) or <c>secret_file</c> instead; it never appears in a log line or an error.
/// </summary>
public sealed class FeedConfig
{
    public string Broker { get; set; } = "";

    /// <summary>A string so that the original's YAML 1.1 integer "10_000" reads too.</summary>
    public string Port { get; set; } = "10000";

    public string Identity { get; set; } = "";
    public string? Secret { get; set; }
    public string? SecretEnv { get; set; }
    public string? SecretFile { get; set; }
    public List<string> Channels { get; set; } = [];
    public bool Tls { get; set; }
    public string? CaFile { get; set; }
    public string? ServerName { get; set; }
    public bool Confirm { get; set; }
    public string? ConfirmChannel { get; set; }
    public string Format { get; set; } = "json";
    public bool Envelope { get; set; }
    public long? MaxPayloadBytes { get; set; }
    public string Oversize { get; set; } = "spool";
    public string SpoolDirectory { get; set; } = "spool";
    public int Window { get; set; } = 64;
    public double MinBackoffSeconds { get; set; } = 0.2;
    public double MaxBackoffSeconds { get; set; } = 30;
    public double AuthSettleSeconds { get; set; } = 1;
    public double BrokerTimeoutSeconds { get; set; } = 30;
}
