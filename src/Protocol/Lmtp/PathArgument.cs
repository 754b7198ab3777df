namespace SmtpCollector.Protocol.Lmtp;

/// <summary>The argument of MAIL and RCPT: <c>FROM:&lt;path&gt; params</c> or <c>TO:&lt;path&gt; params</c>.</summary>
public readonly record struct PathArgument(string Path, IReadOnlyList<string> Parameters)
{
    /// <summary>Splits <paramref name="argument"/> after <paramref name="keyword"/> (<c>FROM:</c> or <c>TO:</c>); null when it does not have that shape.</summary>
    public static PathArgument? Parse(string argument, string keyword)
    {
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            return null;
        var rest = argument.AsSpan(keyword.Length).TrimStart(' ');
        if (rest.Length == 0 || rest[0] != '<')
            return null;

        var close = -1;
        var quoted = false;
        for (var i = 1; i < rest.Length; i++)
        {
            var c = rest[i];
            if (quoted && c == '\\')
            {
                i++;
                continue;
            }
            if (c == '"')
                quoted = !quoted;
            else if (c == '>' && !quoted)
            {
                close = i;
                break;
            }
        }
        if (close < 0)
            return null;

        var path = rest[1..close].ToString();
        var tail = rest[(close + 1)..];
        if (tail.Length > 0 && tail[0] != ' ')
            return null;
        var parameters = tail.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new PathArgument(path, parameters);
    }
}
