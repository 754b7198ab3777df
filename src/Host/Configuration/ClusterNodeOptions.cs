namespace SmtpCollector.Host.Configuration;

/// <summary>
/// This node's place in the cluster, validated: <see cref="SeedNodes"/> are full Akka addresses, or <see cref="Bootstrap"/>
/// says how Cluster Bootstrap finds the other nodes (then there are no seed nodes: the two exclude each other).
/// </summary>
public sealed record ClusterNodeOptions(string SystemName, string Host, int Port, string PublicHost, IReadOnlyList<string> SeedNodes, IReadOnlyList<string> Roles)
{
    /// <summary>Formation through Akka.Management's Cluster Bootstrap; null: static seed nodes.</summary>
    public BootstrapSettings? Bootstrap { get; init; }

    public static ClusterNodeOptions? From(ClusterConfig? config, string source)
    {
        if (config is null)
            return null;
        if (config.SystemName.Length == 0 || !config.SystemName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ConfigException($"{source}: cluster.system_name '{config.SystemName}' must be letters, digits, - and _");
        if (config.Port is < 0 or > 65535)
            throw new ConfigException($"{source}: cluster.port {config.Port} is not a TCP port");
        if (config.Host.Length == 0)
            throw new ConfigException($"{source}: cluster.host must not be empty");
        var bootstrap = BootstrapSettings.From(config, source);
        if (bootstrap is null && config.SeedNodes.Count == 0)
            throw new ConfigException($"{source}: cluster.seed_nodes must name at least one node (this one, for the first), or give cluster.discovery for bootstrap");
        var seeds = config.SeedNodes.Select(seed => SeedAddress(seed, config.SystemName, source)).ToList();
        return new ClusterNodeOptions(config.SystemName, config.Host, config.Port, PublicHostOf(config, source), seeds, config.Roles) { Bootstrap = bootstrap };
    }

    private static string PublicHostOf(ClusterConfig config, string source)
    {
        if (config.PublicHostEnv is not { } variable)
            return config.PublicHost.Length > 0 ? config.PublicHost : config.Host;
        if (config.PublicHost.Length > 0)
            throw new ConfigException($"{source}: cluster.public_host and cluster.public_host_env exclude each other (give one)");
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnv
            ? fromEnv
            : throw new ConfigException($"{source}: cluster.public_host_env names {variable}, which is not set");
    }

    private static string SeedAddress(string seed, string systemName, string source)
    {
        if (seed.StartsWith("akka.tcp://", StringComparison.Ordinal))
            return seed.StartsWith($"akka.tcp://{systemName}@", StringComparison.Ordinal)
                ? seed
                : throw new ConfigException($"{source}: cluster seed node '{seed}' is not in system '{systemName}'");
        var (host, port) = CollectorOptions.ParseListen(seed, source);
        if (port == 0)
            throw new ConfigException($"{source}: cluster seed node '{seed}' needs a port");
        return $"akka.tcp://{systemName}@{host}:{port}";
    }
}
