using System.Net.Sockets;

namespace SmtpCollector.EndToEnd.Tests.Support;

/// <summary>
/// A private Postfix instance made from the project's own postfix/ templates (postfix/configure), rendered for loopback
/// ports into a temporary directory (its own config, queue and data directories, log file), started, and stopped on
/// dispose. Needs Postfix installed (.ci/run installs it) and root, as Postfix's master does.
/// </summary>
public sealed class PostfixInstance : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, string> _settings;
    private bool _started;

    private PostfixInstance(string directory, Dictionary<string, string> settings)
    {
        Directory = directory;
        _settings = settings;
        SmtpPort = int.Parse(settings["SMTP_LISTEN"].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Directory { get; }

    public string ConfigDirectory => _settings["POSTFIX_CONFIG_DIR"];

    public int SmtpPort { get; }

    public string LogPath => _settings["POSTFIX_LOG"];

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    public static string ScriptDirectory => Path.Combine(Paths.RepositoryRoot, "postfix");

    /// <summary>Renders the templates (postfix/configure) with these settings and starts Postfix.</summary>
    /// <param name="lmtpFallback">More collectors, tried in order when the first cannot be reached (LMTP_FALLBACK).</param>
    public static async Task<PostfixInstance> StartAsync(string directory, string domainsFile, int lmtpPort, long messageSizeLimit = 10_240_000,
        string? lmtpFallback = null)
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException("The end-to-end tests start a private Postfix instance, which needs root (Postfix's master runs as root).");
        var postfix = new PostfixInstance(directory, new Dictionary<string, string>
        {
            ["TRAP_DOMAINS_FILE"] = domainsFile,
            ["LMTP_DESTINATION"] = $"inet:127.0.0.1:{lmtpPort}",
            ["LMTP_FALLBACK"] = lmtpFallback ?? "",
            ["MYHOSTNAME"] = "trap-mx.test",
            ["MESSAGE_SIZE_LIMIT"] = messageSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SMTP_LISTEN"] = $"127.0.0.1:{FreePort.Pick()}",
            ["INET_PROTOCOLS"] = "ipv4",
            ["POSTFIX_CONFIG_DIR"] = Path.Combine(directory, "etc"),
            ["POSTFIX_QUEUE_DIR"] = Path.Combine(directory, "queue"),
            ["POSTFIX_DATA_DIR"] = Path.Combine(directory, "data"),
            ["POSTFIX_LOG"] = Path.Combine(directory, "maillog"),
        });
        await Command.RunCheckedAsync("sh", [Path.Combine(ScriptDirectory, "configure")], postfix._settings);
        await Command.RunCheckedAsync("postfix", ["-c", postfix.ConfigDirectory, "check"]);
        await Command.RunCheckedAsync("postfix", ["-c", postfix.ConfigDirectory, "start"]);
        postfix._started = true;
        await postfix.WaitUntilListeningAsync();
        return postfix;
    }

    /// <summary>The documented way to change the trap domains of a running Postfix: postfix/reload-domains.</summary>
    public Task<string> ReloadDomainsAsync() =>
        Command.RunCheckedAsync("sh", [Path.Combine(ScriptDirectory, "reload-domains")], _settings);

    /// <summary>The queue as <c>postqueue -p</c> lists it.</summary>
    public Task<string> QueueAsync() => Command.RunCheckedAsync("postqueue", ["-c", ConfigDirectory, "-p"]);

    public async Task<bool> QueueIsEmptyAsync() => (await QueueAsync()).Contains("Mail queue is empty", StringComparison.Ordinal);

    /// <summary><c>postqueue -f</c>: retry deferred mail now.</summary>
    public Task FlushAsync() => Command.RunCheckedAsync("postqueue", ["-c", ConfigDirectory, "-f"]);

    /// <summary>The master's PID. Read by cat: .NET's file sharing check refuses the pid file the master holds locked.</summary>
    public async Task<int> MasterPidAsync() =>
        int.Parse(await Command.RunCheckedAsync("cat", [Path.Combine(_settings["POSTFIX_QUEUE_DIR"], "pid", "master.pid")]), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Polls the log (bounded) until <paramref name="done"/> holds for it; returns the log.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Deadline);
        while (true)
        {
            var log = Log;
            if (done(log))
                return log;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Postfix's log never showed {what}:\n{log}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls the queue (bounded) until it is empty.</summary>
    public async Task WaitForEmptyQueueAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Deadline);
        while (!await QueueIsEmptyAsync())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Postfix's queue did not empty:\n{await QueueAsync()}\n{Log}");
            await Task.Delay(100);
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, SmtpPort);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_started)
            return;
        _started = false;
        // stop waits for the master to exit; abort would leave delivery agents behind for a moment.
        await Command.RunAsync("postfix", ["-c", ConfigDirectory, "stop"]);
    }
}
