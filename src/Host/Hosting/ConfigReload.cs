using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Core;
using Serilog.Events;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// SIGHUP: read the configuration files again and apply what can change without a restart: the trap domains (the
/// configuration's <c>domains</c> and the domains file, read now rather than at the next poll), <c>log_level</c>, and
/// the feed configuration (the publisher reconnects with it, keeping every message it holds). All or nothing: a file
/// that does not pass the checks <c>check-config</c> makes keeps everything as it was, and one WARN line says where and
/// why. Otherwise one INFO line says what changed. Anything else in the files (listen address, sink, limits) waits for
/// a restart.
/// </summary>
public sealed class ConfigReload : IDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    private readonly Func<CollectorOptions> _load;
    private readonly TaskCompletionSource<(ActorSystem System, ActorRegistry Registry)> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LoggingLevelSwitch _level;
    private readonly ILogger _log;
    // One reload at a time: signals can come faster than a reload ends.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CollectorOptions _current;
    private TrapDomains _domains;
    private PosixSignalRegistration? _signal;

    public ConfigReload(CollectorOptions initial, Func<CollectorOptions> load, LoggingLevelSwitch level, ILogger log)
    {
        _current = initial;
        _domains = initial.Lmtp.Domains;
        _load = load;
        _level = level;
        _log = log;
    }



    public const string Category = "SmtpCollector.Reload";

    /// <summary>
    /// Handles SIGHUP from now on, instead of the runtime's default for it (ending the process): called before the
    /// collector starts, so that a SIGHUP that comes while it starts waits for <see cref="Started"/> rather than killing it.
    /// </summary>
    public void Listen() => _signal = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
    {
        context.Cancel = true;
        _ = ReloadAsync();
    });

    /// <summary>The actors are running: reloads can be applied to them.</summary>
    public void Started(ActorSystem system, ActorRegistry registry) => _started.TrySetResult((system, registry));

    /// <summary>Never throws: a reload that cannot be done is logged and leaves the collector as it was.</summary>
    public async Task ReloadAsync()
    {
        var (system, registry) = await _started.Task;
        await _gate.WaitAsync();
        try
        {
            await ApplyAsync(system, registry);
        }
#pragma warning disable CA1031 // A reload runs off a signal; whatever goes wrong is said, and the collector carries on as it was.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.LogError(ex, "reload on SIGHUP failed; the configuration may be partly applied");
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ApplyAsync(ActorSystem system, ActorRegistry registry)
    {
        CollectorOptions next;
        try
        {
            // The domains file first, line by line, so that a bad line is named as check-config names it.
            if (_current.DomainsFile is { } domainsFile)
                DomainsFileCheck.Check(domainsFile.Path);
            next = _load();
        }
        catch (ConfigException ex)
        {
            _log.LogWarning("reload on SIGHUP refused, the configuration is kept as it was: {Problem}", ex.Message.ReplaceLineEndings("; "));
            return;
        }

        var changes = new List<string>();
        var quieter = next.LogLevel > _current.LogLevel;
        if (next.LogLevel != _current.LogLevel)
        {
            // More verbose at once; quieter only after the line that says so, which the new level may not let through.
            if (!quieter)
                ApplyLogLevel(system, _level, next.LogLevel);
            changes.Add($"log_level {Name(_current.LogLevel)} -> {Name(next.LogLevel)}");
        }
        changes.AddRange(await ReloadDomainsAsync(registry, next));
        if (_current.Feed is { } feed && next.Feed is { } nextFeed && FeedChanges(feed, nextFeed) is { Count: > 0 } feedChanges)
        {
            (await registry.GetAsync<Publisher>()).Tell(new ReconfigurePublisher(nextFeed));
            changes.Add("feed: " + string.Join(", ", feedChanges) + ", reconnecting");
        }
        // What a reload does not apply stays as it was started, so that the next reload compares with what runs.
        _current = _current with { LogLevel = next.LogLevel, Feed = next.Feed ?? _current.Feed, DomainsGrace = next.DomainsGrace };
        _log.LogInformation("reloaded on SIGHUP: {Changes}", changes.Count == 0 ? "nothing changed" : string.Join("; ", changes));
        if (quieter)
            ApplyLogLevel(system, _level, next.LogLevel);
    }

    private async Task<IEnumerable<string>> ReloadDomainsAsync(ActorRegistry registry, CollectorOptions next)
    {
        var notes = new List<string>();
        if (_current.DomainsFile is { } file)
        {
            if (next.DomainsFile?.Path != file.Path)
                notes.Add($"domains_file is now {next.DomainsFile?.Path ?? "none"}, which takes effect at a restart (still reading {file.Path})");
            var actor = await registry.GetAsync<TrapDomainsFile>();
            var reloaded = await actor.Ask<TrapDomainsReloaded>(new ReloadTrapDomains(next.DomainsFile?.FixedDomains ?? file.FixedDomains), AskTimeout);
            if (reloaded.Problem is { } problem)
                _log.LogWarning("reload on SIGHUP: trap domains kept as they were: {Problem}", problem);
            notes.AddRange(DomainChanges(reloaded.Added, reloaded.Removed, file.Grace));
            return notes;
        }
        if (next.DomainsFile is { } added)
            notes.Add($"domains_file {added.Path} takes effect at a restart");
        var before = _domains;
        _domains = _domains.Replace(next.Lmtp.Domains.Domains, next.DomainsGrace, TimeProvider.System);
        (await registry.GetAsync<LmtpListener>()).Tell(new UpdateTrapDomains(_domains));
        notes.AddRange(DomainChanges(_domains.Domains.Except(before.Domains).ToArray(), before.Domains.Except(_domains.Domains).ToArray(), next.DomainsGrace));
        return notes;
    }

    private static IEnumerable<string> DomainChanges(IReadOnlyList<string> added, IReadOnlyList<string> removed, TimeSpan grace)
    {
        if (added.Count > 0)
            yield return "trap domains added: " + string.Join(", ", added);
        if (removed.Count > 0)
            yield return "trap domains removed: " + string.Join(", ", removed) + (grace > TimeSpan.Zero ? $" (still accepted for {grace.TotalSeconds:0} s)" : "");
    }

    /// <summary>What differs between two feed configurations, in words; the secret only as "changed", never its value.</summary>
    public static IReadOnlyList<string> FeedChanges(HpfeedsSettings before, HpfeedsSettings after)
    {
        var changes = new List<string>();
        if (before.Host != after.Host || before.Port != after.Port)
            changes.Add($"broker {before.Host}:{before.Port} -> {after.Host}:{after.Port}");
        if (before.Ident != after.Ident)
            changes.Add($"identity {before.Ident} -> {after.Ident}");
        if (before.Secret != after.Secret)
            changes.Add("secret changed");
        if (!before.Channels.SequenceEqual(after.Channels))
            changes.Add($"channels {string.Join(",", before.Channels)} -> {string.Join(",", after.Channels)}");
        // Every other setting: a record compares them all once the ones above are made equal (the channel list by reference).
        if (before with { Host = after.Host, Port = after.Port, Ident = after.Ident, Secret = after.Secret, Channels = after.Channels } != after)
            changes.Add("other settings changed");
        return changes;
    }

    /// <summary>Serilog's switch for what is written, and Akka's own level, which filters its events before they reach Serilog.</summary>
    public static void ApplyLogLevel(ActorSystem system, LoggingLevelSwitch level, LogEventLevel value)
    {
        level.MinimumLevel = value;
        system.EventStream.SetLogLevel(AkkaLevel(value));
    }

    public static Akka.Event.LogLevel AkkaLevel(LogEventLevel value) => value switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogEventLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogEventLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };

    private static string Name(LogEventLevel level) => level.ToString().ToLowerInvariant();

    public void Dispose()
    {
        _signal?.Dispose();
        _gate.Dispose();
    }
}
