namespace SmtpCollector.Host.Configuration;

/// <summary>Where Cluster Bootstrap finds the other nodes' management endpoints (its contact points).</summary>
public abstract record BootstrapDiscovery;

/// <summary><c>discovery: config</c>: a fixed list of management endpoints (HOST:PORT), for hosts that are known in advance.</summary>
public sealed record EndpointListDiscovery(IReadOnlyList<string> Endpoints) : BootstrapDiscovery;

/// <summary><c>discovery: kubernetes</c>: the running pods that match the label selector, listed through the Kubernetes API.</summary>
/// <param name="PodNamespace">Null: the pod's own namespace, read from its service account.</param>
public sealed record KubernetesPodDiscovery(string PodLabelSelector, string? PodNamespace) : BootstrapDiscovery;
