using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MailKit;

namespace SmtpCollector.Host.Tests.Imap.Support;

/// <summary>IMAP APPEND of exact bytes over a connection of its own: LOGIN, APPEND with a synchronizing literal, LOGOUT.</summary>
public static partial class RawAppend
{
    public static async Task<uint> AppendAsync(int port, string user, string password, string folder, byte[] bytes, MessageFlags flags)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ReadUntilAsync(stream, "* OK", cancel.Token);
        await WriteAsync(stream, $"a LOGIN \"{user}\" \"{password}\"\r\n", cancel.Token);
        await ReadUntilAsync(stream, "a OK", cancel.Token);
        var flagList = string.Join(' ', new[] { (MessageFlags.Seen, "\\Seen"), (MessageFlags.Deleted, "\\Deleted"), (MessageFlags.Flagged, "\\Flagged") }
            .Where(f => flags.HasFlag(f.Item1)).Select(f => f.Item2));
        await WriteAsync(stream, $"b APPEND \"{folder}\" ({flagList}) {{{bytes.Length.ToString(CultureInfo.InvariantCulture)}}}\r\n", cancel.Token);
        await ReadUntilAsync(stream, "+", cancel.Token);
        await stream.WriteAsync(bytes, cancel.Token);
        await WriteAsync(stream, "\r\n", cancel.Token);
        var reply = await ReadUntilAsync(stream, "b ", cancel.Token);
        await WriteAsync(stream, "c LOGOUT\r\n", cancel.Token);
        var match = AppendUid().Match(reply);
        return match.Success ? uint.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"APPEND failed: {reply}");
    }

    private static Task WriteAsync(NetworkStream stream, string text, CancellationToken cancel) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancel).AsTask();

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>; returns that line.</summary>
    private static async Task<string> ReadUntilAsync(NetworkStream stream, string prefix, CancellationToken cancel)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancel) == 0)
                throw new IOException($"the server closed the connection waiting for '{prefix}'");
            if (one[0] != '\n')
            {
                line.Append((char)one[0]);
                continue;
            }
            var text = line.ToString().TrimEnd('\r');
            line.Clear();
            if (text.StartsWith(prefix, StringComparison.Ordinal))
                return text;
        }
    }

    [GeneratedRegex(@"APPENDUID \d+ (\d+)")]
    private static partial Regex AppendUid();
}
