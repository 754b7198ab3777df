namespace SmtpCollector.Host.Configuration;

/// <summary>
/// Cluster formation through Akka.Management's Cluster Bootstrap (<c>cluster.discovery</c>), validated: the management
/// endpoint's port, the name looked up, how many contact points a new cluster waits for, and the discovery method.
/// </summary>
public sealed record BootstrapSettings(int ManagementPort, string ServiceName, int RequiredContactPoints, BootstrapDiscovery Discovery)
{
    public const int DefaultManagementPort = 8558;
    public const int DefaultRequiredContactPoints = 2;

    /// <summary>Null when <c>cluster.discovery</c> is not given (static seed nodes); then no bootstrap key may be either.</summary>
    public static BootstrapSettings? From(ClusterConfig config, string source)
    {
        if (config.Discovery is null)
        {
            var stray = BootstrapKeys(config).FirstOrDefault(key => key.Given);
            return stray.Name is null ? null
                : throw new ConfigException($"{source}: cluster.{stray.Name} is for cluster bootstrap: give cluster.discovery (kubernetes or config) instead of seed_nodes");
        }
        if (config.SeedNodes.Count > 0)
            throw new ConfigException($"{source}: cluster.seed_nodes and cluster.discovery exclude each other: seed nodes would join before bootstrap decides (give one)");
        var port = config.ManagementPort ?? DefaultManagementPort;
        if (port is < 1 or > 65535)
            throw new ConfigException($"{source}: cluster.management_port {port} is not a TCP port from 1 to 65535");
        if (port == config.Port)
            throw new ConfigException($"{source}: cluster.management_port {port} is also cluster.port: Akka.Management's HTTP endpoint needs a port of its own");
        var serviceName = config.ServiceName ?? config.SystemName;
        // A key in config discovery's HOCON and a value in the pod label selector: the system name's characters suit both.
        if (serviceName.Length == 0 || !serviceName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ConfigException($"{source}: cluster.service_name '{serviceName}' must be letters, digits, - and _");
        var required = config.RequiredContactPoints ?? DefaultRequiredContactPoints;
        if (required < 1)
            throw new ConfigException($"{source}: cluster.required_contact_points must be at least 1, is {required}");
        BootstrapDiscovery discovery = config.Discovery switch
        {
            "config" => Endpoints(config, required, source),
            "kubernetes" => Kubernetes(config, serviceName, source),
            _ => throw new ConfigException($"{source}: cluster.discovery must be kubernetes or config, is '{config.Discovery}'"),
        };
        return new BootstrapSettings(port, serviceName, required, discovery);
    }

    private static EndpointListDiscovery Endpoints(ClusterConfig config, int required, string source)
    {
        if (config.PodLabelSelector is not null || config.PodNamespace is not null)
            throw new ConfigException($"{source}: cluster.{(config.PodLabelSelector is not null ? "pod_label_selector" : "pod_namespace")} is for discovery: kubernetes, not config");
        var endpoints = config.Endpoints ?? [];
        if (endpoints.Count < required)
            throw new ConfigException($"{source}: cluster.endpoints lists {endpoints.Count} management endpoint(s), fewer than required_contact_points ({required}): the cluster would never form");
        foreach (var endpoint in endpoints)
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
                throw new ConfigException($"{source}: cluster.endpoints: '{endpoint}' is not HOST:PORT of a management endpoint");
        }
        return new EndpointListDiscovery(endpoints);
    }

    private static KubernetesPodDiscovery Kubernetes(ClusterConfig config, string serviceName, string source)
    {
        if (config.Endpoints is not null)
            throw new ConfigException($"{source}: cluster.endpoints is for discovery: config; with kubernetes the pods are found by cluster.pod_label_selector");
        if (config.PodLabelSelector is { Length: 0 })
            throw new ConfigException($"{source}: cluster.pod_label_selector must not be empty: it would list every pod of the namespace");
        if (config.PodNamespace is { Length: 0 })
            throw new ConfigException($"{source}: cluster.pod_namespace must not be empty (leave it out for the pod's own namespace)");
        return new KubernetesPodDiscovery(config.PodLabelSelector ?? $"app={serviceName}", config.PodNamespace);
    }

    private static IEnumerable<(string? Name, bool Given)> BootstrapKeys(ClusterConfig config) =>
    [
        ("management_port", config.ManagementPort is not null),
        ("service_name", config.ServiceName is not null),
        ("required_contact_points", config.RequiredContactPoints is not null),
        ("endpoints", config.Endpoints is not null),
        ("pod_label_selector", config.PodLabelSelector is not null),
        ("pod_namespace", config.PodNamespace is not null),
    ];
}
