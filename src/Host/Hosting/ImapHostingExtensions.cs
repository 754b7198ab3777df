using Akka.Actor;
using Akka.Hosting;
using SmtpCollector.Actors.Sources.Imap;
using SmtpCollector.Actors.Telemetry;
using SmtpCollector.Host.Configuration;

namespace SmtpCollector.Host.Hosting;

/// <summary>ActorRegistry key of the IMAP collector.</summary>
public sealed class ImapCollector;

public static class ImapHostingExtensions
{
    /// <summary>
    /// The IMAP collector on the <see cref="MessageSink"/>. On shutdown (SIGTERM), before the sinks stop, every folder
    /// finishes the message it is publishing (its sink's answer and its flag), bounded by one sink deadline.
    /// </summary>
    /// <param name="telemetry">The mailboxes' state and counts for the HTTP endpoint; null for none.</param>
    public static AkkaConfigurationBuilder WithImapCollector(this AkkaConfigurationBuilder builder, ImapOptions options, ImapMailboxes? telemetry = null)
    {
        var finishWithin = options.Run.SinkDeadline + TimeSpan.FromSeconds(10);
        // The phase's own timeout (5 s by default) would move on to stopping the sinks while a message waits for its answer.
        return builder
            .AddHocon($"akka.coordinated-shutdown.phases.before-service-unbind.timeout = {(int)finishWithin.TotalSeconds + 5}s", HoconAddMode.Prepend)
            .WithActors(async (system, registry, _) =>
            {
                var sink = await registry.GetAsync<MessageSink>();
                var collector = system.ActorOf(ImapCollectorActor.Props(options.Mailboxes, options.Run, sink, telemetry), "imap-collector");
                registry.Register<ImapCollector>(collector);
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "imap-finish-current-message", async () =>
                {
                    try
                    {
                        await collector.Ask<CollectingStopped>(new StopCollecting(), finishWithin);
                    }
                    catch (AskTimeoutException)
                    {
                        // A folder stuck on a server that stopped answering: what it did not confirm stays unmarked.
                    }
                    return Akka.Done.Instance;
                });
            });
    }
}
