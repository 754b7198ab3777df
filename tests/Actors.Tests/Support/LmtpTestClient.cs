using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpCollector.Actors.Tests.Support;

/// <summary>A plain TCP LMTP client for tests: sends bytes as given and reads replies line by line, with a deadline on every read.</summary>
public sealed class LmtpTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(20);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly StringBuilder _pending = new();

    private LmtpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _tcp.NoDelay = true;
        _stream = tcp.GetStream();
    }

    public static async Task<LmtpTestClient> ConnectAsync(EndPoint endPoint)
    {
        var ip = (IPEndPoint)endPoint;
        var tcp = new TcpClient();
        await tcp.ConnectAsync(ip.Address, ip.Port);
        return new LmtpTestClient(tcp);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        using var cancel = new CancellationTokenSource(ReadDeadline);
        await _stream.WriteAsync(bytes, cancel.Token);
    }

    /// <summary>Reads one whole reply (all its lines); null if the server closed the connection first.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var lines = new StringBuilder();
        while (await ReadLineAsync() is { } line)
        {
            lines.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
                return lines.ToString().TrimEnd('\n');
        }
        return null;
    }

    public async Task<string> ExpectAsync(string codePrefix)
    {
        var reply = await ReadReplyAsync() ?? throw new InvalidOperationException($"connection closed while waiting for {codePrefix}");
        if (!reply.StartsWith(codePrefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"expected {codePrefix}, got: {reply}");
        return reply;
    }

    /// <summary>True when the server closes the connection (reads until end of stream, bounded by the deadline).</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var cancel = new CancellationTokenSource(ReadDeadline);
        try
        {
            while (await _stream.ReadAsync(_buffer, cancel.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return text[..end];
            }
            using var cancel = new CancellationTokenSource(ReadDeadline);
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, cancel.Token);
            }
            catch (IOException)
            {
                return null;
            }
            if (read == 0)
                return null;
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
