namespace SmtpCollector.Actors.Sinks.Hpfeeds;

/// <summary>The broker connection failed; thrown so that the backoff supervisor restarts it after a pause.</summary>
public sealed class BrokerFailureException(string message, Exception? inner = null) : Exception(message, inner);
