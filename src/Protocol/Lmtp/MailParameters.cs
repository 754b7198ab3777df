namespace SmtpCollector.Protocol.Lmtp;

public enum BodyType
{
    SevenBit,
    EightBitMime,
}

/// <summary>The ESMTP parameters of MAIL FROM that this server announces: SIZE, BODY, SMTPUTF8.</summary>
public sealed record MailParameters(long? Size, BodyType Body, bool SmtpUtf8)
{
    public static MailParameters None { get; } = new(null, BodyType.SevenBit, false);

    public static (MailParameters? Parameters, Rejection? Rejection) Parse(IReadOnlyList<string> items, long maxMessageBytes)
    {
        long? size = null;
        BodyType? body = null;
        var utf8 = false;
        foreach (var item in items)
        {
            var eq = item.IndexOf('=');
            var key = eq < 0 ? item : item[..eq];
            var value = eq < 0 ? null : item[(eq + 1)..];
            switch (key.ToUpperInvariant())
            {
                case "SIZE" when size is null && value is { Length: > 0 and <= 20 } && value.All(char.IsAsciiDigit):
                    if (!long.TryParse(value, out var declared) || declared > maxMessageBytes)
                        return (null, Rejection.MessageSizeExceeded);
                    size = declared;
                    break;
                case "BODY" when body is null && value is not null:
                    if (value.Equals("7BIT", StringComparison.OrdinalIgnoreCase))
                        body = BodyType.SevenBit;
                    else if (value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase))
                        body = BodyType.EightBitMime;
                    else
                        return (null, Rejection.UnsupportedParameter);
                    break;
                case "SMTPUTF8" when !utf8 && value is null:
                    utf8 = true;
                    break;
                case "SIZE" or "BODY" or "SMTPUTF8":
                    return (null, Rejection.SyntaxError);
                default:
                    return (null, Rejection.UnsupportedParameter);
            }
        }
        return (new MailParameters(size, body ?? BodyType.SevenBit, utf8), null);
    }
}
