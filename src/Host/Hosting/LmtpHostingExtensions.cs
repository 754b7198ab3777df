using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Host.Configuration;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Host.Hosting;

public static class LmtpHostingExtensions
{
    /// <summary>
    /// The LMTP listener, handing messages to the registered <see cref="MessageSink"/>. On shutdown it stops accepting
    /// first (CoordinatedShutdown's service-unbind phase) and lets sessions in the middle of a message finish.
    /// </summary>
    /// <param name="budget">The memory budget for messages in flight; by default one of <see cref="LmtpServerSettings.MaxInFlightBytes"/>.</param>
    public static AkkaConfigurationBuilder WithLmtpListener(this AkkaConfigurationBuilder builder, LmtpServerSettings settings, DomainsFileOptions? domainsFile = null,
        InFlightBudget? budget = null)
    {
        var phaseTimeout = settings.ShutdownDeadline + TimeSpan.FromSeconds(5);
        return builder
            .AddHocon($"akka.coordinated-shutdown.phases.service-unbind.timeout = {(int)phaseTimeout.TotalSeconds}s", HoconAddMode.Prepend)
            .WithActors((system, registry, resolver) =>
            {
                var sink = registry.Get<MessageSink>();
                var messageLog = resolver.GetService<ILoggerFactory>().CreateLogger(MessageLog.Category);
                var listener = system.ActorOf(LmtpListenerActor.Props(settings, sink, budget, messageLog), "lmtp-listener");
                registry.Register<LmtpListener>(listener);
                if (domainsFile is not null)
                    registry.Register<TrapDomainsFile>(system.ActorOf(TrapDomainsFileActor.Props(domainsFile.Path, domainsFile.FixedDomains, domainsFile.InitialText,
                        domainsFile.PollInterval, domainsFile.Grace, listener), "trap-domains-file"));
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "lmtp-drain", async () =>
                {
                    await listener.Ask<ListenerStopped>(new StopListening(), phaseTimeout);
                    return Akka.Done.Instance;
                });
            });
    }
}
