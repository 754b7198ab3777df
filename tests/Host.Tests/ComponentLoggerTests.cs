using SmtpCollector.Actors.Sinks.Archive;
using SmtpCollector.Actors.Sinks.Hpfeeds;
using SmtpCollector.Actors.Sources.Imap;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Host.Hosting;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>The log category of an Akka log event: the component that logged it, by its class or else by its actor's path.</summary>
public sealed class ComponentLoggerTests
{
    [Theory]
    [InlineData(typeof(HpfeedsPublisherActor), "akka://smtp-collector/user/hpfeeds-publisher", "SmtpCollector.Hpfeeds")]
    [InlineData(typeof(HpfeedsConnectionActor), "akka://smtp-collector/user/hpfeeds-publisher/hpfeeds-connection/connection", "SmtpCollector.Hpfeeds")]
    [InlineData(typeof(LmtpListenerActor), "akka://smtp-collector/user/lmtp-listener", "SmtpCollector.Lmtp")]
    [InlineData(typeof(TrapDomainsFileActor), "akka://smtp-collector/user/trap-domains-file", "SmtpCollector.Lmtp")]
    [InlineData(typeof(ImapCollectorActor), "akka://smtp-collector/user/imap-collector", "SmtpCollector.Imap")]
    [InlineData(typeof(MaildirStore), "MaildirStore", "SmtpCollector.Archive")]
    // Akka's own class logging about one of our actors (a supervisor's strategy, say): the actor's component.
    [InlineData(typeof(Akka.Pattern.BackoffSupervisor), "akka://smtp-collector/user/hpfeeds-publisher/hpfeeds-connection", "SmtpCollector.Hpfeeds")]
    [InlineData(typeof(Akka.Actor.OneForOneStrategy), "akka://smtp-collector/user/lmtp-listener/session-7", "SmtpCollector.Lmtp")]
    // Akka about itself: its class's name.
    [InlineData(typeof(Akka.Actor.CoordinatedShutdown), "akka://smtp-collector/system", "Akka.Actor.CoordinatedShutdown")]
    public void Each_event_goes_under_its_components_category(Type logClass, string logSource, string category) =>
        Assert.Equal(category, ComponentLogger.Category(logClass, logSource));
}
