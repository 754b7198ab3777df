using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpCollector.TestSupport;

/// <summary>
/// A raw LMTP client for the tests and the flood bench: writes bytes exactly as given, reads whole replies. Every read
/// and write is bounded, by the caller's token or else by <see cref="DefaultDeadline"/>. A connection the server
/// closes or resets reads as <c>null</c>; a write to it throws <see cref="IOException"/>.
/// </summary>
public sealed class LmtpClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private LmtpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects and reads nothing: the greeting is the caller's to read.</summary>
    public static async Task<LmtpClient> ConnectAsync(EndPoint endPoint, CancellationToken cancel = default)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = Bound(ref cancel);
            await socket.ConnectAsync(endPoint, cancel);
            return new LmtpClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects, reads the 220 greeting and says LHLO: ready for a transaction. Each step within <see cref="DefaultDeadline"/>.</summary>
    public static async Task<LmtpClient> OpenAsync(EndPoint endPoint, string lhloName = "tests.example")
    {
        var client = await ConnectAsync(endPoint);
        try
        {
            await client.ExpectAsync("220");
            await client.SendAsync($"LHLO {lhloName}\r\n");
            await client.ExpectAsync("250");
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// MAIL alone, and RSET after it when accepted: the reply to MAIL. Asked again (bounded) until it starts with
    /// <paramref name="codePrefix"/>, for a state the server reaches on its own (a broker link found down, or up).
    /// </summary>
    public async Task<string> MailUntilAsync(string codePrefix, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            await SendAsync("MAIL FROM:<sender@example.net>\r\n");
            var reply = await ReadReplyAsync() ?? throw new IOException("connection closed after MAIL");
            if (reply.StartsWith("250", StringComparison.Ordinal))
            {
                await SendAsync("RSET\r\n");
                await ExpectAsync("250");
            }
            if (reply.StartsWith(codePrefix, StringComparison.Ordinal) || DateTime.UtcNow >= until)
                return reply;
            await Task.Delay(100);
        }
    }

    /// <summary>One message to the recipients, pipelined as Postfix sends it (dot-stuffed here); the per-recipient replies.</summary>
    public async Task<IReadOnlyList<string>> DeliverAsync(byte[] message, params string[] recipients)
    {
        var envelope = new StringBuilder("MAIL FROM:<sender@example.net> BODY=8BITMIME\r\n");
        foreach (var recipient in recipients)
            envelope.Append($"RCPT TO:<{recipient}>\r\n");
        envelope.Append("DATA\r\n");
        await SendAsync(envelope.ToString());
        await ExpectAsync("250");
        foreach (var _ in recipients)
            await ExpectAsync("250");
        await ExpectAsync("354");
        await SendAsync(MessageBytes.DotStuff(message));
        var replies = new List<string>();
        foreach (var _ in recipients)
            replies.Add(await ReadReplyAsync() ?? throw new IOException("connection closed before every recipient was answered"));
        return replies;
    }

    public Task SendAsync(string text, CancellationToken cancel = default) => SendAsync(Encoding.UTF8.GetBytes(text), cancel);

    public Task SendAsync(byte[] bytes, CancellationToken cancel = default) => SendAsync(bytes.AsMemory(), cancel);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel = default)
    {
        using var deadline = Bound(ref cancel);
        await _stream.WriteAsync(bytes, cancel);
    }

    /// <summary>The next whole reply, its lines joined by <c>\n</c>; null when the server closed (or reset) the connection first.</summary>
    public async Task<string?> ReadReplyAsync(CancellationToken cancel = default)
    {
        using var deadline = Bound(ref cancel);
        StringBuilder? lines = null;
        while (await ReadLineAsync(cancel) is { } line)
        {
            if (line.Length < 4 || line[3] != '-')
                return lines is null ? line : lines.Append(line).ToString();
            (lines ??= new StringBuilder()).Append(line).Append('\n');
        }
        return null;
    }

    /// <summary>The next reply, which must start with <paramref name="codePrefix"/> (else <see cref="InvalidOperationException"/>).</summary>
    public async Task<string> ExpectAsync(string codePrefix, CancellationToken cancel = default)
    {
        var reply = await ReadReplyAsync(cancel) ?? throw new InvalidOperationException($"connection closed while waiting for {codePrefix}");
        if (!reply.StartsWith(codePrefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"expected {codePrefix}, got: {reply}");
        return reply;
    }

    /// <summary>True when the server closes the connection: reads (and drops) whatever comes until the end of the stream.</summary>
    public async Task<bool> ClosedByServerAsync(CancellationToken cancel = default)
    {
        using var deadline = Bound(ref cancel);
        try
        {
            while (await _stream.ReadAsync(_buffer, cancel) > 0)
            {
            }
        }
        catch (IOException)
        {
            // reset: closed too
        }
        return true;
    }

    /// <summary>
    /// A reply as the flood bench tallies it: the code of its last line, with the enhanced code when it has one
    /// ("250 2.0.0", "220"); "closed" for no reply.
    /// </summary>
    public static string Code(string? reply)
    {
        if (reply is null)
            return "closed";
        var last = reply[(reply.LastIndexOf('\n') + 1)..];
        return last switch
        {
            { Length: >= 9 } when char.IsDigit(last[4]) => last[..9],
            { Length: >= 3 } => last[..3],
            _ => "garbage",
        };
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var end = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (end >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, end - _start).TrimEnd('\r');
                _start = end + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
                throw new InvalidOperationException("reply line longer than the buffer");
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancel);
            }
            catch (IOException)
            {
                return null;
            }
            if (read == 0)
                return null;
            _end += read;
        }
    }

    // The caller's token when it can cancel; otherwise one that does after DefaultDeadline (disposed by the caller).
    private static CancellationTokenSource? Bound(ref CancellationToken cancel)
    {
        if (cancel.CanBeCanceled)
            return null;
        var deadline = new CancellationTokenSource(DefaultDeadline);
        cancel = deadline.Token;
        return deadline;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
