using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SmtpCollector.Bench.Flood;

/// <summary>The floods. Each runs against a collector at <c>endPoint</c> and records what its clients saw in the outcome.</summary>
internal static class Loads
{
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(60);

    /// <summary><paramref name="count"/> connections that read the greeting and then say nothing for <paramref name="hold"/>.</summary>
    public static async Task IdleAsync(IPEndPoint endPoint, Outcome outcome, int count, TimeSpan hold)
    {
        var clients = new ConcurrentBag<LmtpClient>();
        using var gate = new SemaphoreSlim(100);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var deadline = new CancellationTokenSource(ReadDeadline);
                var client = await LmtpClient.ConnectAsync(endPoint, deadline.Token);
                clients.Add(client);
                outcome.Load.Add("greeting " + LmtpClient.Code(await client.ReadReplyAsync(deadline.Token)));
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                outcome.Load.Add("connect failed");
            }
            finally
            {
                gate.Release();
            }
        }));
        outcome.Notes = $"{count} connected in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s, held {hold.TotalSeconds:F0} s";
        await Task.Delay(hold);
        foreach (var client in clients)
            await client.DisposeAsync();
    }

    /// <summary><paramref name="count"/> clients that send one byte per second (LHLO, then NOOPs) for <paramref name="duration"/>, reading replies as they come.</summary>
    public static async Task SlowAsync(IPEndPoint endPoint, Outcome outcome, int count, TimeSpan duration)
    {
        var text = Encoding.ASCII.GetBytes("LHLO slow.flood.bench\r\n" + string.Concat(Enumerable.Repeat("NOOP\r\n", 100)));
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            using var deadline = new CancellationTokenSource(duration + ReadDeadline);
            try
            {
                await using var client = await LmtpClient.ConnectAsync(endPoint, deadline.Token);
                var reading = Task.Run(async () =>
                {
                    while (await client.ReadReplyAsync(deadline.Token) is { } reply)
                        outcome.Load.Add(LmtpClient.Code(reply));
                });
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; Stopwatch.GetElapsedTime(started) < duration; i++)
                {
                    await client.SendAsync(text.AsMemory(i, 1), deadline.Token);
                    var due = TimeSpan.FromSeconds(i + 1) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                        await Task.Delay(due, deadline.Token);
                }
                // Ends the line in progress (a command cut short), then leaves.
                await client.SendAsync("\r\nQUIT\r\n", deadline.Token);
                await reading;
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                outcome.Load.Add("error");
            }
        }));
        outcome.Notes = $"{count} clients, one byte per second for {duration.TotalSeconds:F0} s (LHLO, then NOOPs), then QUIT";
    }

    /// <summary>One client that writes <paramref name="commands"/> NOOPs without reading, holds for <paramref name="hold"/>, then reads every reply.</summary>
    public static async Task PipelineAsync(IPEndPoint endPoint, Outcome outcome, int commands, TimeSpan hold)
    {
        const int perChunk = 1000;
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", perChunk)));
        using var deadline = new CancellationTokenSource(hold + ReadDeadline + ReadDeadline);
        await using var client = await LmtpClient.ConnectAsync(endPoint, deadline.Token);
        outcome.Load.Add("greeting " + LmtpClient.Code(await client.ReadReplyAsync(deadline.Token)));
        var written = 0;
        var started = Stopwatch.GetTimestamp();
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < commands / perChunk; i++)
            {
                await client.SendAsync(chunk, deadline.Token);
                Interlocked.Add(ref written, perChunk);
            }
        });
        var wroteAll = await Task.WhenAny(writing, Task.Delay(hold)) == writing;
        var writeTime = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var writtenDuringHold = Volatile.Read(ref written);
        if (wroteAll)
            await Task.Delay(hold - Stopwatch.GetElapsedTime(started) is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero);

        var answered = 0;
        while (answered < commands && await client.ReadReplyAsync(deadline.Token) is { } reply)
        {
            outcome.Load.Add(LmtpClient.Code(reply));
            answered++;
        }
        await writing;
        outcome.Notes = wroteAll
            ? $"all {commands:N0} NOOPs ({commands * 6:N0} B) written without reading in {writeTime:F1} s; held {hold.TotalSeconds:F0} s, then {answered:N0} replies read"
            : $"the writes stalled after {writtenDuringHold:N0} NOOPs (server stopped reading); after {hold.TotalSeconds:F0} s it read the replies: {answered:N0}";
    }

    /// <summary><paramref name="sessions"/> sessions at once, each sending one message of exactly <paramref name="size"/> bytes.</summary>
    public static async Task AtTheSizeLimitAsync(IPEndPoint endPoint, Outcome outcome, int sessions, int size)
    {
        string Header(int i) => $"Message-Id: <{i:D6}@flood.bench>\r\nSubject: at the size limit {i:D6}\r\n\r\n";
        var filler = Filler(size - Header(0).Length);
        var replies = new string[sessions];
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            // SIZE= declared, as Postfix does.
            var (reply, sent, _) = await Transaction.RunAsync(endPoint, [Encoding.ASCII.GetBytes(Header(i)), filler], deadline.Token, size);
            if (sent)
                Interlocked.Increment(ref outcome.Sent);
            outcome.Load.Add(LmtpClient.Code(reply));
            replies[i] = reply;
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // Hashed only now, not to take CPU from the collector during the run: every 250 must name the exact bytes.
        var wrongHash = 0;
        for (var i = 0; i < sessions; i++)
        {
            if (Transaction.StoredAs(replies[i]) is not { } sha256)
                continue;
            outcome.Confirmed.Add(sha256);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.ASCII.GetBytes(Header(i)));
            hash.AppendData(filler.Span);
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != sha256)
                wrongHash++;
        }
        outcome.Notes = $"{sessions} x {size:N0} B at once, done in {elapsed:F1} s; 250s naming a wrong sha256: {wrongHash}";
    }

    /// <summary>Lines of 76 'x' and CRLF, exactly <paramref name="length"/> bytes, ending in CRLF (no line begins with a dot).</summary>
    private static ReadOnlyMemory<byte> Filler(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
            bytes[i] = (i % 78) switch { 76 => (byte)'\r', 77 => (byte)'\n', _ => (byte)'x' };
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        if (length >= 3 && bytes[^3] == (byte)'\r')
            bytes[^3] = (byte)'x';
        return bytes;
    }
}
