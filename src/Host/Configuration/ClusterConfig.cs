namespace SmtpCollector.Host.Configuration;

/// <summary>The <c>cluster:</c> section of the configuration file, key for key. Without it the collector is a single node with no remoting.</summary>
public sealed class ClusterConfig
{
    /// <summary>The actor system's name: the same on every node (it is part of every node's address).</summary>
    public string SystemName { get; set; } = "smtp-collector";

    /// <summary>The address Akka.Remote binds.</summary>
    public string Host { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 4053;

    /// <summary>The name the other nodes reach this one by (a compose service name, a pod's address); <see cref="Host"/> when empty.</summary>
    public string PublicHost { get; set; } = "";

    /// <summary>An environment variable holding <see cref="PublicHost"/>: a pod's IP from the downward API, which no shared file can know.</summary>
    public string? PublicHostEnv { get; set; }

    /// <summary>HOST:PORT of the seed nodes (or full <c>akka.tcp://system@host:port</c> addresses); the first one starts the cluster.</summary>
    public List<string> SeedNodes { get; set; } = [];

    public List<string> Roles { get; set; } = [];

    /// <summary>Form the cluster through Akka.Management's Cluster Bootstrap instead of seed nodes: <c>kubernetes</c> or <c>config</c>.</summary>
    public string? Discovery { get; set; }

    // The keys below are for bootstrap only; null tells "not given" apart from a default, so that they are refused with seed nodes.

    /// <summary>The port of Akka.Management's HTTP endpoint (bootstrap's contact point), bound on <see cref="Host"/>; 8558.</summary>
    public int? ManagementPort { get; set; }

    /// <summary>The name looked up in discovery (in the default pod label selector); the system name when not given.</summary>
    public string? ServiceName { get; set; }

    /// <summary>How many contact points must be discovered before a new cluster may be formed; 2.</summary>
    public int? RequiredContactPoints { get; set; }

    /// <summary>(<c>config</c>) HOST:PORT of every node's management endpoint.</summary>
    public List<string>? Endpoints { get; set; }

    /// <summary>(<c>kubernetes</c>) the label selector of the collector's pods; <c>app=</c> and the service name when not given.</summary>
    public string? PodLabelSelector { get; set; }

    /// <summary>(<c>kubernetes</c>) the namespace to list pods in; the pod's own (its service account's) when not given.</summary>
    public string? PodNamespace { get; set; }
}
