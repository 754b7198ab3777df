namespace SmtpCollector.Host.Configuration;

/// <summary>
/// The YAML configuration file, key for key (snake_case in the file). Every key is optional; the defaults are the
/// documented ones (README, "Configuration"), and the command line overrides the file.
/// </summary>
public sealed class CollectorConfig
{
    /// <summary>HOST:PORT to listen on for LMTP.</summary>
    public string Listen { get; set; } = "127.0.0.1:2424";

    /// <summary>HOST:PORT of the HTTP endpoint (metrics, health); <c>none</c> turns it off.</summary>
    public string HttpListen { get; set; } = "127.0.0.1:8424";

    /// <summary><c>text</c> (one line per event) or <c>json</c> (one compact JSON object per line).</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary><c>debug</c>, <c>information</c>, <c>warning</c> or <c>error</c>: the least severe event logged. Re-read on SIGHUP.</summary>
    public string LogLevel { get; set; } = "information";

    /// <summary>The status page warns when no message has arrived for this long.</summary>
    public double SilenceWarningMinutes { get; set; } = 60;

    /// <summary>The name in the greeting and the LHLO reply; the machine's name when empty.</summary>
    public string Hostname { get; set; } = "";

    /// <summary>Trap domains: recipients in these domains and their subdomains are accepted, others get 550 5.1.2. Empty: every domain.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>More trap domains from a file (one per line, # comments): the file Postfix's front reads. Re-read when it changes.</summary>
    public string? DomainsFile { get; set; }

    public double DomainsPollSeconds { get; set; } = 2;

    /// <summary>How long a domain removed from the domains file is still accepted (Postfix reloads it later); 0: not at all.</summary>
    public double DomainsGraceSeconds { get; set; } = 60;

    /// <summary><c>file:PATH</c> (json lines, synced before 250) or <c>raw:DIR</c> (one <c>&lt;sha256&gt;.eml</c> per message).</summary>
    public string Sink { get; set; } = "file:messages.jsonl";

    /// <summary>Add the envelope (sender, recipients, XFORWARD client, LHLO name, time) to each json payload.</summary>
    public bool Envelope { get; set; } = true;

    /// <summary><c>maildir:DIR</c>: every message is also archived there, and answered 250 only when both are done.</summary>
    public string? Archive { get; set; }

    public double? ArchiveMaxAgeDays { get; set; }
    public long? ArchiveMaxBytes { get; set; }
    public double ArchiveRetentionIntervalSeconds { get; set; } = 60;

    /// <summary>Add a <c>summary</c> (header fields, attachments with their SHA-256) to each json payload, parsed with MimeKit.</summary>
    public bool Summary { get; set; }

    public int MaxCommandLineBytes { get; set; } = 512;
    public long MaxMessageBytes { get; set; } = 26_214_400;
    public int MaxRecipients { get; set; } = 1000;
    public int MaxConnections { get; set; } = 100;
    public double CommandIdleTimeoutSeconds { get; set; } = 300;
    public double DataIdleTimeoutSeconds { get; set; } = 180;
    public double MessageDeadlineSeconds { get; set; } = 600;
    public double SinkDeadlineSeconds { get; set; } = 60;
    public long MaxInFlightBytes { get; set; } = 268_435_456;
    public double InFlightWaitSeconds { get; set; } = 30;
    public double ShutdownDeadlineSeconds { get; set; } = 30;

    /// <summary>Run as a node of an Akka cluster, sharing publishers with the other nodes (README, "Cluster"); none: a single node, no remoting.</summary>
    public ClusterConfig? Cluster { get; set; }
}
