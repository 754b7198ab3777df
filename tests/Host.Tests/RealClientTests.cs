using System.Diagnostics;
using System.Text;
using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>Real LMTP clients from Debian's packages (swaks, Postfix's smtp-source) against the real program.</summary>
public sealed class RealClientTests : CollectorWithFileSink
{
    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var path = Paths.Tool(tool) ?? throw new InvalidOperationException($"{tool} is not installed (.ci/run installs it: apt-get install postfix swaks)");
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private async Task<IReadOnlyList<StoredPayload>> WaitForPayloadsAsync(int count)
    {
        // The file is complete before the 250s go out; this only bounds the wait for the client's last reply.
        IReadOnlyList<StoredPayload> payloads = [];
        for (var attempt = 0; attempt < 100 && payloads.Count < count; attempt++)
        {
            payloads = StoredPayload.ReadAll(SinkPath);
            if (payloads.Count < count)
                await Task.Delay(50);
        }
        return payloads;
    }

    [Fact]
    public async Task Swaks_delivers_to_three_recipients_and_gets_one_250_each()
    {
        var body = "Subject: swaks test\r\n\r\nline one\r\n.line with a leading dot\r\n";
        var (exit, output) = await RunAsync("swaks", "--protocol", "LMTP", "--server", $"{Collector.EndPoint.Address}:{Collector.EndPoint.Port}",
            "--from", "spammer@example.net", "--to", "a@trap.example,b@trap.example,c@trap.example",
            "--data", body);

        Assert.True(exit == 0, output);
        var perRecipient = output.Split('\n').Where(l => l.Contains("250 2.0.0 <", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, perRecipient.Count);
        Assert.Contains("<a@trap.example>", perRecipient[0], StringComparison.Ordinal);
        Assert.Contains("<c@trap.example>", perRecipient[2], StringComparison.Ordinal);

        var payload = Assert.Single(await WaitForPayloadsAsync(1));
        Assert.True(payload.HashMatches);
        Assert.Equal(SentData(output), payload.Bytes);
        Assert.Contains("\r\nline one\r\n.line with a leading dot\r\n", Encoding.UTF8.GetString(payload.Bytes), StringComparison.Ordinal);
        var envelope = payload.Json.GetProperty("envelope");
        Assert.Equal(3, envelope.GetProperty("recipients").GetArrayLength());
        Assert.Equal("spammer@example.net", envelope.GetProperty("sender").GetString());
    }

    /// <summary>The message as swaks sent it, read back from its transcript (" -> " lines after the 354), dot-stuffing undone.</summary>
    private static byte[] SentData(string transcript)
    {
        var lines = transcript.Split('\n').Select(l => l.TrimEnd('\r'));
        var data = lines.SkipWhile(l => !l.StartsWith("<-  354", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l != " -> .")
            .Select(l => l.StartsWith(" -> ", StringComparison.Ordinal) ? l[4..] : throw new FormatException($"unexpected transcript line '{l}'"))
            .Select(l => l.StartsWith('.') ? l[1..] : l);
        return Encoding.UTF8.GetBytes(string.Concat(data.Select(l => l + "\r\n")));
    }

    [Fact]
    public async Task Smtp_source_delivers_every_message_over_parallel_sessions()
    {
        const int messages = 200;
        var (exit, output) = await RunAsync("smtp-source", "-L", "-s", "10", "-m", messages.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-l", "5000", "-r", "3", "-f", "from@example.net", "-t", "to@trap.example", $"{Collector.EndPoint.Address}:{Collector.EndPoint.Port}");

        Assert.True(exit == 0, output);
        var payloads = await WaitForPayloadsAsync(messages);
        Assert.Equal(messages, payloads.Count);
        Assert.All(payloads, p => Assert.True(p.HashMatches));
        // smtp-source -r 3 sends three recipients per message; each must be in the envelope.
        Assert.All(payloads, p => Assert.Equal(3, p.Json.GetProperty("envelope").GetProperty("recipients").GetArrayLength()));
    }
}
