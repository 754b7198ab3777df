using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmtpCollector.EndToEnd.Tests.Support;

/// <summary>Sends mail to the Postfix front the way spammers' clients do: MailKit for ordinary mail, raw bytes where a test needs the exact bytes.</summary>
public static class SmtpSender
{
    public const string ClientHelo = "spambot.test";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<string> SendAsync(int port, MimeMessage message, string sender, params string[] recipients)
    {
        using var client = new SmtpClient { LocalDomain = ClientHelo, Timeout = (int)Deadline.TotalMilliseconds };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        var reply = await client.SendAsync(message, MailboxAddress.Parse(sender), recipients.Select(MailboxAddress.Parse));
        await client.DisconnectAsync(quit: true);
        return reply;
    }

    /// <summary>
    /// One transaction with the message's bytes exactly as given (dot-stuffed on the wire, nothing else changed);
    /// returns each reply as Postfix gave it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SendRawAsync(int port, byte[] message, string sender, params string[] recipients)
    {
        using var tcp = new TcpClient();
        using var cancel = new CancellationTokenSource(Deadline);
        await tcp.ConnectAsync("127.0.0.1", port, cancel.Token);
        var stream = tcp.GetStream();
        var reader = new StreamReader(stream, Encoding.UTF8);
        var replies = new List<string>();

        async Task<string> Say(string? line)
        {
            if (line is not null)
                await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), cancel.Token);
            string reply = "", next;
            do
            {
                next = await reader.ReadLineAsync(cancel.Token) ?? throw new IOException("connection closed");
                reply += next + "\n";
            }
            while (next.Length > 3 && next[3] == '-');
            replies.Add(reply.TrimEnd());
            return reply;
        }

        await Say(null);
        await Say("EHLO " + ClientHelo);
        await Say($"MAIL FROM:<{sender}> BODY=8BITMIME{(message.Any(b => b >= 0x80) || recipients.Any(r => r.Any(c => c > 127)) ? " SMTPUTF8" : "")}");
        var accepted = 0;
        foreach (var recipient in recipients)
            accepted += (await Say($"RCPT TO:<{recipient}>")).StartsWith('2') ? 1 : 0;
        if (accepted > 0 && (await Say("DATA")).StartsWith('3'))
        {
            await stream.WriteAsync(DotStuff(message), cancel.Token);
            await Say(".");
        }
        await Say("QUIT");
        return replies;
    }

    private static byte[] DotStuff(byte[] message)
    {
        var stuffed = new MemoryStream();
        var lineStart = true;
        foreach (var b in message)
        {
            if (lineStart && b == (byte)'.')
                stuffed.WriteByte((byte)'.');
            stuffed.WriteByte(b);
            lineStart = b == (byte)'\n';
        }
        if (!lineStart)
            stuffed.Write("\r\n"u8);
        return stuffed.ToArray();
    }
}
