using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>A minimal LMTP client that sends message bytes exactly as given (dot-stuffed here), for byte-exact tests.</summary>
public sealed class RawLmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawLmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<RawLmtpClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint);
        var client = new RawLmtpClient(tcp);
        await client.ExpectAsync("220");
        await client.SendAsync("LHLO tests.example\r\n"u8.ToArray());
        await client.ExpectAsync("250");
        return client;
    }

    /// <summary>Sends one message to the recipients (pipelined, as Postfix does) and returns the per-recipient replies.</summary>
    public async Task<IReadOnlyList<string>> DeliverAsync(byte[] message, params string[] recipients)
    {
        var envelope = new StringBuilder("MAIL FROM:<sender@example.net> BODY=8BITMIME\r\n");
        foreach (var recipient in recipients)
            envelope.Append($"RCPT TO:<{recipient}>\r\n");
        envelope.Append("DATA\r\n");
        await SendAsync(Encoding.UTF8.GetBytes(envelope.ToString()));
        await ExpectAsync("250");
        foreach (var _ in recipients)
            await ExpectAsync("250");
        await ExpectAsync("354");
        await SendAsync(DotStuff(message));
        var replies = new List<string>();
        foreach (var _ in recipients)
            replies.Add(await ReadReplyAsync());
        return replies;
    }

    public async Task SendAsync(byte[] bytes)
    {
        using var cancel = new CancellationTokenSource(Deadline);
        await _stream.WriteAsync(bytes, cancel.Token);
    }

    public async Task<string> ReadReplyAsync()
    {
        var lines = new StringBuilder();
        while (true)
        {
            using var cancel = new CancellationTokenSource(Deadline);
            var line = await _reader.ReadLineAsync(cancel.Token) ?? throw new IOException("connection closed");
            lines.Append(line);
            if (line.Length < 4 || line[3] != '-')
                return lines.ToString();
            lines.Append('\n');
        }
    }

    public async Task<string> ExpectAsync(string prefix)
    {
        var reply = await ReadReplyAsync();
        if (!reply.StartsWith(prefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"expected {prefix}, got {reply}");
        return reply;
    }

    /// <summary>The message as DATA carries it: lines beginning with a dot get another, and the lone dot ends it.</summary>
    public static byte[] DotStuff(byte[] message)
    {
        var output = new MemoryStream(message.Length + 64);
        var lineStart = true;
        foreach (var b in message)
        {
            if (lineStart && b == (byte)'.')
                output.WriteByte((byte)'.');
            output.WriteByte(b);
            lineStart = b == (byte)'\n' && output.Length >= 2 && output.GetBuffer()[output.Length - 2] == (byte)'\r';
        }
        if (message.Length > 0 && !(message.Length >= 2 && message[^2] == '\r' && message[^1] == '\n'))
            throw new ArgumentException("a message sent over LMTP must end in CRLF", nameof(message));
        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    /// <summary>A corpus file as an LMTP client sends it: bare LF line ends become CRLF; CRLF and lone CR stay as they are.</summary>
    public static byte[] ToCrlf(byte[] file)
    {
        var output = new MemoryStream(file.Length + file.Length / 20);
        for (var i = 0; i < file.Length; i++)
        {
            if (file[i] == (byte)'\n' && (i == 0 || file[i - 1] != (byte)'\r'))
                output.WriteByte((byte)'\r');
            output.WriteByte(file[i]);
        }
        if (file.Length > 0 && file[^1] != (byte)'\n')
            output.Write("\r\n"u8);
        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync("QUIT\r\n"u8.ToArray());
        }
        catch (IOException)
        {
        }
        _reader.Dispose();
        _tcp.Dispose();
    }
}
