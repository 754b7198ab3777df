namespace SmtpCollector.TestBroker.Tests.Support;

internal static class Limits
{
    /// <summary>Every wait in these tests is bounded by this; none is a sleep.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
}
