using System.Globalization;
using System.Text.RegularExpressions;

namespace SmtpCollector.Actors.Sinks.Archive;

/// <summary>
/// File names as the Maildir specification (cr.yp.to/proto/maildir.html) has them, with Dovecot's <c>,S=&lt;size&gt;</c>:
/// <c>&lt;seconds&gt;.M&lt;microseconds&gt;P&lt;pid&gt;Q&lt;n&gt;.&lt;host&gt;,S=&lt;size&gt;</c>, unique per host, process and
/// delivery. A reader that moves a message to <c>cur/</c> appends <c>:2,&lt;flags&gt;</c>; <see cref="Base"/> drops it.
/// </summary>
public static partial class MaildirName
{
    private static long _deliveries;

    public static string New(DateTimeOffset now, long size)
    {
        var microseconds = now.Ticks / 10 % 1_000_000;
        var n = Interlocked.Increment(ref _deliveries);
        return string.Create(CultureInfo.InvariantCulture,
            $"{now.ToUnixTimeSeconds()}.M{microseconds}P{Environment.ProcessId}Q{n}.{Host},S={size}");
    }

    /// <summary>The name without the <c>:2,flags</c> info a mail reader adds in <c>cur/</c>: the name the envelope file has.</summary>
    public static string Base(string fileName)
    {
        var colon = fileName.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? fileName : fileName[..colon];
    }

    /// <summary>
    /// When it was archived (microseconds since the epoch), its delivery number within its process (which orders two
    /// archived in the same microsecond) and its size, read from a name made by <see cref="New"/>; null for other names.
    /// </summary>
    public static (long Microseconds, long Delivery, long Size)? Parse(string fileName)
    {
        var match = Pattern().Match(Base(fileName));
        if (!match.Success)
            return null;
        var seconds = long.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        var micro = long.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
        var delivery = long.Parse(match.Groups[3].ValueSpan, CultureInfo.InvariantCulture);
        var size = long.Parse(match.Groups[4].ValueSpan, CultureInfo.InvariantCulture);
        return (seconds * 1_000_000 + micro, delivery, size);
    }

    // The specification: "/" and ":" in the host name are written as \057 and \072.
    private static string Host { get; } = Environment.MachineName.Replace("/", @"\057", StringComparison.Ordinal).Replace(":", @"\072", StringComparison.Ordinal);

    [GeneratedRegex(@"^(\d{1,12})\.M(\d{1,6})P\d+Q(\d{1,18})\..*,S=(\d{1,18})")]
    private static partial Regex Pattern();
}
