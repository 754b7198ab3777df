using System.Globalization;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sinks;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Host.Hosting;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Summary;
using LogLevel = Akka.Event.LogLevel;

namespace SmtpCollector.Host.Replay;

public sealed record ReplayOptions(string Maildir, DateTimeOffset? Since, DateTimeOffset? Until, HpfeedsSettings Feed, TimeSpan Deadline, TimeSpan ProgressInterval)
{
    /// <summary>Summarise each message (MimeKit) into the payload, as the collector does with <c>summary: true</c>.</summary>
    public bool Summary { get; init; }
}

/// <summary>
/// Publishes archived messages again through the collector's own hpfeeds publisher (its window, its confirm mode): the
/// payload is built from the archived bytes and envelope as it was the first time. Messages go out in the order they
/// were received, at most two windows handed to the publisher at once (the archive is never read into memory whole).
/// The first message not published stops the replay: what follows is not attempted, and the last line says where to
/// start again.
/// </summary>
public static class ArchiveReplay
{
    public static async Task<int> RunAsync(ReplayOptions options, CancellationToken cancellation)
    {
        List<ReplayItem> items;
        try
        {
            items = ReplaySelection.Select(options.Maildir, options.Since, options.Until);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"smtp-collector replay: cannot read {options.Maildir}: {ex.Message}");
            return 2;
        }
        Console.WriteLine($"replay: {items.Count} messages in {options.Maildir} received {Describe(options.Since, options.Until)}, to {options.Feed}");
        if (items.Count == 0)
            return 0;

        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddCollectorConsole();
        builder.Services.AddAkka("smtp-collector-replay", akka => akka
            .WithHoconSettings()
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = LogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLogger<ComponentLogger>();
            })
            .WithHpfeedsPublisher(options.Feed));
        using var host = builder.Build();
        // Not cancelled by a signal: a replay stopped while it starts still says where to start again.
        await host.StartAsync(CancellationToken.None);
        try
        {
            var publisher = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<MessageSink>(CancellationToken.None);
            var tally = new ReplayTally(items.Count);
            using var progress = new CancellationTokenSource();
            var reporter = ReportAsync(tally, options.ProgressInterval, progress.Token);
            await PublishAllAsync(items, publisher, options, tally, cancellation);
            await progress.CancelAsync();
            await reporter;
            Console.WriteLine(cancellation.IsCancellationRequested ? $"replay: interrupted: {tally.Line()}" : $"replay: {tally.Line()}");
            if (tally.AllPublished)
                return 0;
            Console.WriteLine(tally.FirstNotPublished is { } first
                ? $"replay: not everything went out; to go on: --since {first.Envelope.ReceivedAt.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)}"
                : "replay: not everything went out (files missing)");
            return 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task PublishAllAsync(List<ReplayItem> items, IActorRef publisher, ReplayOptions options, ReplayTally tally, CancellationToken cancellation)
    {
        using var window = new SemaphoreSlim(options.Feed.Window * 2);
        var outstanding = new List<Task>();
        for (var index = 0; index < items.Count && !tally.Stopped; index++)
        {
            var item = items[index];
            try
            {
                await window.WaitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                tally.Interrupted(item);
                break;
            }
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(item.Path, CancellationToken.None);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Moved to cur/ by a mail reader, or removed by retention, since the selection: counted, not fatal.
                Console.Error.WriteLine($"replay: {item.Path}: {ex.Message}");
                tally.Missing();
                window.Release();
                continue;
            }
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (item.ArchivedSha256 is { } archived && archived != sha256)
                Console.Error.WriteLine($"replay: {item.Path}: its bytes hash to {sha256}, not to {archived} as when archived (published as they are now)");
            var body = MessageBody.FromBytes(bytes);
            // On this loop's thread, never the publisher's: the parse takes time, and it is hostile input.
            var message = new ReceivedMessage(body, sha256, item.Envelope) { Summary = options.Summary ? MessageSummarizer.Summarise(body) : null };
            // Asked in order, so the publisher queues them in order; the deadline counts from here, and a message waits at
            // most for the two windows before it.
            var ask = publisher.Ask<object>(new StoreMessage(message, DateTime.UtcNow + options.Deadline), options.Deadline + TimeSpan.FromSeconds(10), cancellation);
            outstanding.Add(AwaitAnswer(ask, item, tally, window));
            if (outstanding.Count > 1024)
                outstanding.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(outstanding);
    }

    private static async Task AwaitAnswer(Task<object> ask, ReplayItem item, ReplayTally tally, SemaphoreSlim window)
    {
        try
        {
            switch (await ask)
            {
                case MessageStored:
                    tally.Published();
                    break;
                case MessageNotStored refused:
                    Console.Error.WriteLine($"replay: {item.Path}: not published: {refused.Reason} ({refused.Detail})");
                    tally.NotPublished(item);
                    break;
            }
        }
        catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException)
        {
            tally.NotPublished(item);
        }
        finally
        {
            window.Release();
        }
    }

    private static async Task ReportAsync(ReplayTally tally, TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
                Console.WriteLine($"replay: {tally.Line()}");
        }
        catch (OperationCanceledException)
        {
            // The replay is over; the caller writes the last line.
        }
    }

    private static string Describe(DateTimeOffset? since, DateTimeOffset? until) =>
        (since, until) switch
        {
            (null, null) => "at any time",
            ({ } s, null) => $"since {s.UtcDateTime:o}",
            (null, { } u) => $"before {u.UtcDateTime:o}",
            ({ } s, { } u) => $"from {s.UtcDateTime:o} to before {u.UtcDateTime:o}",
        };
}
