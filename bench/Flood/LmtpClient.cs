using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpCollector.Bench.Flood;

/// <summary>A bare LMTP client: writes bytes as given, reads whole replies (the last line of a multi-line one).</summary>
internal sealed class LmtpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private LmtpClient(Socket socket) => _socket = socket;

    public static async Task<LmtpClient> ConnectAsync(IPEndPoint endPoint, CancellationToken cancel)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancel);
            return new LmtpClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendAsync(string text, CancellationToken cancel) => SendAsync(Encoding.ASCII.GetBytes(text), cancel);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancel);
            bytes = bytes[sent..];
        }
    }

    /// <summary>The last line of the next reply; null when the server closed (or reset) the connection first.</summary>
    public async Task<string?> ReadReplyAsync(CancellationToken cancel)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancel);
            if (line is null || line.Length < 4 || line[3] != '-')
                return line;
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var end = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (end >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, end - _start).TrimEnd('\r');
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
                read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel);
            }
            catch (SocketException)
            {
                return null;
            }
            if (read == 0)
                return null;
            _end += read;
        }
    }

    /// <summary>The reply's code as tallied: "250 2.0.0" when it has an enhanced code, else "220".</summary>
    public static string Code(string? reply) => reply switch
    {
        null => "closed",
        { Length: >= 9 } when char.IsDigit(reply[4]) => reply[..9],
        { Length: >= 3 } => reply[..3],
        _ => "garbage",
    };

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
