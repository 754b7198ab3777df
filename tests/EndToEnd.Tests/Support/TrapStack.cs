using System.Globalization;
using SmtpCollector.TestBroker;
using Xunit;

namespace SmtpCollector.EndToEnd.Tests.Support;

/// <summary>
/// The whole path on loopback: real Postfix (the project's postfix/ templates) → the real collector program over LMTP
/// → the test broker → a subscriber. One per test class; stopped afterwards, also when a test fails.
/// </summary>
public class TrapStack : IAsyncLifetime
{
    public const string Channel = "spam.mails";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly BrokerAccount[] Accounts =
    [
        new("writer", "writer-secret", [Channel, "writer.confirm"], ["writer.confirm"]),
        new("backend", "backend-secret", [], [Channel]),
    ];

    // A path, not a TempDirectory: the fixture's one disposal is DisposeAsync, after Postfix has let go of its files.
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smtp-collector-e2e-" + Guid.NewGuid().ToString("N"));
    private readonly List<Published> _fromEarlierSubscribers = [];
    private HpfeedsSubscriber? _subscriber;
    private int _brokerPort;

    /// <summary>The collector's largest message; smaller than Postfix's limit only to provoke a permanent refusal.</summary>
    protected virtual long CollectorMaxMessageBytes => 10_240_000 + 65_536;

    public HpfeedsBroker? Broker { get; private set; }

    public CollectorProcess? Collector { get; private set; }

    public PostfixInstance Postfix { get; private set; } = null!;

    public string DomainsFile => File("domains");

    public int LmtpPort { get; } = FreePort.Pick();

    private string File(string name) => Path.Combine(_directory, name);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await System.IO.File.WriteAllTextAsync(DomainsFile, "# the trap\ntrap.example\nsecond-trap.example\n");
        await System.IO.File.WriteAllTextAsync(File("secret"), "writer-secret\n");
        await System.IO.File.WriteAllTextAsync(File("collector.yml"), $"""
            listen: 127.0.0.1:{LmtpPort}
            hostname: collector.test
            domains_file: {DomainsFile}
            domains_poll_seconds: 0.2
            sink_deadline_seconds: 5
            max_message_bytes: {CollectorMaxMessageBytes.ToString(CultureInfo.InvariantCulture)}
            """);
        await StartBrokerAsync();
        await System.IO.File.WriteAllTextAsync(File("feed_config.yml"), $"""
            broker: "127.0.0.1"
            port: {_brokerPort}
            identity: "writer"
            secret_file: {File("secret")}
            channels: ["{Channel}"]
            confirm: true
            envelope: true
            spool_directory: {File("spool")}
            max_backoff_seconds: 1
            """);
        await StartCollectorAsync();
        Postfix = await PostfixInstance.StartAsync(File("postfix"), DomainsFile, LmtpPort);
    }

    public async Task StartCollectorAsync() =>
        Collector = await CollectorProcess.StartAsync("--config", File("collector.yml"), "--feed-config", File("feed_config.yml"),
            "--listen", $"127.0.0.1:{LmtpPort}");

    /// <summary>SIGTERM, as a container stop does; the collector drains and exits 0.</summary>
    public async Task StopCollectorAsync()
    {
        var collector = Collector ?? throw new InvalidOperationException("the collector is not running");
        Collector = null;
        await collector.StopCleanlyAsync(Deadline);
        await collector.DisposeAsync();
    }

    /// <summary>kill -9: no drain, nothing flushed; Postfix sees connections break in the middle.</summary>
    public async Task KillCollectorAsync()
    {
        var collector = Collector ?? throw new InvalidOperationException("the collector is not running");
        Collector = null;
        await collector.KillAsync();
        await collector.DisposeAsync();
    }

    public async Task StartBrokerAsync()
    {
        Broker = await HpfeedsBroker.StartAsync(new BrokerOptions { Port = _brokerPort, Accounts = Accounts });
        _brokerPort = Broker.Port;
        _subscriber = await HpfeedsSubscriber.ConnectAsync(_brokerPort, "backend", "backend-secret", [Channel]);
        await Broker.WaitForSubscribersAsync(Channel, 1, Deadline);
    }

    public async Task StopBrokerAsync()
    {
        var broker = Broker ?? throw new InvalidOperationException("the broker is not running");
        Broker = null;
        await broker.StopAsync();
        if (_subscriber is not null)
        {
            // What the broker flushed to the subscriber while it stopped counts too (a message already confirmed to
            // the collector may be among it): read until the broker has closed the connection, then take the tally.
            await _subscriber.Closed.WaitAsync(Deadline);
            _fromEarlierSubscribers.AddRange(PublishedToCurrentSubscriber());
            await _subscriber.DisposeAsync();
        }
        _subscriber = null;
    }

    /// <summary>Every payload the subscribers have received so far, over broker restarts.</summary>
    public IReadOnlyList<Published> Published => [.. _fromEarlierSubscribers, .. PublishedToCurrentSubscriber()];

    /// <summary>Waits (bounded) until <paramref name="count"/> payloads match, and returns them.</summary>
    public async Task<IReadOnlyList<Published>> WaitForPublishedAsync(Func<Published, bool> match, int count)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var matching = Published.Where(match).ToList();
            if (matching.Count >= count)
                return matching;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{matching.Count} of {count} payloads arrived.\nPostfix:\n{Postfix.Log}\nCollector:\n{Collector?.Output}");
            await Task.Delay(50);
        }
    }

    private IEnumerable<Published> PublishedToCurrentSubscriber() =>
        _subscriber is null ? [] : _subscriber.Received.Select(Support.Published.From);

    public async Task DisposeAsync()
    {
        // Each part is stopped even when another fails to.
        try
        {
            if (Postfix is not null)
                await Postfix.DisposeAsync();
        }
        finally
        {
            if (Collector is not null)
                await Collector.DisposeAsync();
            if (_subscriber is not null)
                await _subscriber.DisposeAsync();
            if (Broker is not null)
                await Broker.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
