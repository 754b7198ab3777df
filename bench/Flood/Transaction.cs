using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpCollector.Bench.Flood;

/// <summary>One well-behaved LMTP transaction on a new connection, as Postfix would run it without pipelining.</summary>
internal static class Transaction
{
    private static readonly byte[] End = ".\r\n"u8.ToArray();

    /// <summary>
    /// Connects, greets, sends one message to one recipient and returns the final reply (or the first refusal, "closed"
    /// or "error"), whether the message bytes were sent, and how long it took.
    /// </summary>
    public static async Task<(string Reply, bool Sent, double Milliseconds)> RunAsync(
        IPEndPoint endPoint, IReadOnlyList<ReadOnlyMemory<byte>> message, CancellationToken cancel, long? declaredSize = null)
    {
        var started = Stopwatch.GetTimestamp();
        var sent = false;
        try
        {
            await using var client = await LmtpClient.ConnectAsync(endPoint, cancel);
            var reply = await client.ReadReplyAsync(cancel);
            foreach (var (command, expected) in Steps)
            {
                if (reply?.StartsWith(expected, StringComparison.Ordinal) != true)
                    return (LmtpClient.Code(reply), false, Elapsed(started));
                await client.SendAsync(command.StartsWith("MAIL", StringComparison.Ordinal) && declaredSize is { } size
                    ? command.Replace("\r\n", $" SIZE={size}\r\n", StringComparison.Ordinal)
                    : command, cancel);
                reply = await client.ReadReplyAsync(cancel);
            }
            if (reply?.StartsWith("354", StringComparison.Ordinal) != true)
                return (LmtpClient.Code(reply), false, Elapsed(started));
            foreach (var part in message)
                await client.SendAsync(part, cancel);
            await client.SendAsync(End, cancel);
            sent = true;
            var final = await client.ReadReplyAsync(cancel) ?? "closed";
            await client.SendAsync("QUIT\r\n", cancel);
            return (final, true, Elapsed(started));
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return ("error", sent, Elapsed(started));
        }
    }

    private static readonly (string Command, string Expected)[] Steps =
    [
        ("LHLO probe.flood.bench\r\n", "220"),
        ("MAIL FROM:<probe@flood.bench>\r\n", "250"),
        ("RCPT TO:<victim@trap.example>\r\n", "250"),
        ("DATA\r\n", "250"),
    ];

    /// <summary>The sha256 a 250 names ("... Ok, stored as HEX").</summary>
    public static string? StoredAs(string reply) =>
        reply.StartsWith("250 ", StringComparison.Ordinal) && reply.LastIndexOf(' ') is var at and > 0 ? reply[(at + 1)..] : null;

    /// <summary>A small message, unique by <paramref name="tag"/>.</summary>
    public static ReadOnlyMemory<byte>[] Small(string tag) =>
        [Encoding.ASCII.GetBytes($"Message-Id: <{tag}@flood.bench>\r\nSubject: {tag}\r\n\r\n{new string('p', 900)}\r\n")];

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
