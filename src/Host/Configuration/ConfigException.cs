namespace SmtpCollector.Host.Configuration;

/// <summary>A configuration mistake, worded for the operator: which file, line and key, and what is wrong.</summary>
public sealed class ConfigException(string message) : Exception(message);
