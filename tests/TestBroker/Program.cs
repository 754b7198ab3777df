using System.Runtime.InteropServices;
using SmtpCollector.TestBroker;

BrokerOptions options;
try
{
    options = BrokerCommandLine.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

await using var broker = await HpfeedsBroker.StartAsync(options);
Console.WriteLine($"broker listening on 127.0.0.1:{broker.Port}");

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
Console.WriteLine($"broker stopping: {broker.ConnectionsAccepted} connections, {broker.SuccessfulAuths} AUTHs");
return 0;
