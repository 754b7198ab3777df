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

    /// <summary>HOST:PORT of the seed nodes (or full <c>akka.tcp://system@host:port</c> addresses); the first one starts the cluster.</summary>
    public List<string> SeedNodes { get; set; } = [];

    public List<string> Roles { get; set; } = [];
}
