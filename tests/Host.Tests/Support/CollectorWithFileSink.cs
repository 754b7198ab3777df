using Xunit;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>Base of test classes that talk to one running program with a file sink in a temporary directory.</summary>
public abstract class CollectorWithFileSink : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _temp = new();

    protected CollectorProcess Collector { get; private set; } = null!;

    protected string SinkPath => _temp.File("messages.jsonl");

    public async Task InitializeAsync() => Collector = await CollectorProcess.StartAsync("--sink", $"file:{SinkPath}");

    public async Task DisposeAsync() => await Collector.DisposeAsync();

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
