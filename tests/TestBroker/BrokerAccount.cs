namespace SmtpCollector.TestBroker;

/// <summary>One ident the broker accepts, with the channels it may publish to and subscribe to (exact names, no wildcards).</summary>
public sealed record BrokerAccount(string Ident, string Secret, IReadOnlyList<string> PublishChannels, IReadOnlyList<string> SubscribeChannels)
{
    /// <summary>
    /// Reads <c>ident:secret:pub1,pub2:sub1,sub2</c> (either channel list may be empty). The secret is everything between
    /// the first colon and the last two, so it may hold colons itself.
    /// </summary>
    public static BrokerAccount Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var identEnd = spec.IndexOf(':', StringComparison.Ordinal);
        var subStart = spec.LastIndexOf(':');
        var pubStart = subStart > 0 ? spec.LastIndexOf(':', subStart - 1) : -1;
        if (identEnd <= 0 || pubStart <= identEnd)
            throw new FormatException($"'{spec}' is not ident:secret:pubchans:subchans.");
        return new BrokerAccount(
            spec[..identEnd],
            spec[(identEnd + 1)..pubStart],
            Channels(spec[(pubStart + 1)..subStart]),
            Channels(spec[(subStart + 1)..]));
    }

    private static string[] Channels(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
