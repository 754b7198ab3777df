using System.Runtime.InteropServices;
using SmtpCollector.TestBroker;

// As the collector does (src/Host/Program.cs): the broker's socket continuations only decode a frame and queue it for its
// subscribers, so they run on the socket engine's thread rather than waking a pool thread each. The benchmarks run this
// broker on the collector's machine, where every thread it wakes is CPU that Postfix and the collector do not get.
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");

BrokerOptions options;
string? drain = null;
try
{
    // --drain ident:secret:channel (the benchmark's subscriber) is ours; the rest is the broker's.
    var at = Array.IndexOf(args, "--drain");
    if (at >= 0 && at + 1 < args.Length)
    {
        drain = args[at + 1];
        args = [.. args[..at], .. args[(at + 2)..]];
    }
    options = BrokerCommandLine.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

await using var broker = await HpfeedsBroker.StartAsync(options);
HpfeedsSubscriber? drainer = null;
if (drain?.Split(':') is [var ident, var secret, var channel])
{
    drainer = await HpfeedsSubscriber.ConnectAsync(broker.Port, ident, secret, [channel], keepFrames: false);
    await broker.WaitForSubscribersAsync(channel, 1, TimeSpan.FromSeconds(10));
}
Console.WriteLine($"broker listening on {options.Address}:{broker.Port}");

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
await stop.Task;
Console.WriteLine($"broker stopping: {broker.ConnectionsAccepted} connections, {broker.SuccessfulAuths} AUTHs, drained {drainer?.ReceivedCount ?? 0} frames");
if (drainer is not null)
    await drainer.DisposeAsync();
return 0;
