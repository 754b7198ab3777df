using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Event;
using Microsoft.Extensions.Logging;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// Akka's logger: hands each log event to Microsoft.Extensions.Logging under the category of the component that logged
/// it (<c>SmtpCollector.Hpfeeds</c>, <c>SmtpCollector.Lmtp</c>, ...), where Akka.Hosting's logger puts every event under
/// <c>Akka.Actor.ActorSystem</c>. The operator filters and reads by component; Akka's own events keep their class's name.
/// </summary>
public sealed class ComponentLogger : ReceiveActor, Akka.Dispatch.IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;
    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);
    // Our actors' loggers by the class that logs: most events (a line per message) find theirs without building a string.
    private readonly Dictionary<Type, ILogger> _byClass = [];

    public ComponentLogger()
    {
        _factory = DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>();
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Log);
    }

    private void Log(LogEvent logEvent)
    {
        var logger = LoggerFor(logEvent.LogClass, logEvent.LogSource);
        var level = logEvent.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => MelLogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => MelLogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => MelLogLevel.Warning,
            _ => MelLogLevel.Error,
        };
        if (!logger.IsEnabled(level))
            return;
        // Formatted by Akka (its {0} placeholders); handed on as text, so that braces in a value are never read as a template.
        logger.Log(level, default, logEvent.Message?.ToString() ?? "", logEvent.Cause, static (text, _) => text);
    }

    private ILogger LoggerFor(Type? logClass, string? logSource)
    {
        if (logClass is not null && _byClass.TryGetValue(logClass, out var known))
            return known;
        var category = Category(logClass, logSource);
        if (!_loggers.TryGetValue(category, out var logger))
            _loggers[category] = logger = _factory.CreateLogger(category);
        // Only where the class alone decides the category (see Category); otherwise it depends on the source.
        if (logClass is not null && IsOurs(logClass))
            _byClass[logClass] = logger;
        return logger;
    }

    private const string Actors = "SmtpCollector.Actors.";

    private static bool IsOurs(Type logClass) => logClass.Namespace?.StartsWith(Actors, StringComparison.Ordinal) == true;

    /// <summary>
    /// The component: for our actors, the last part of their namespace (<c>SmtpCollector.Actors.Sinks.Hpfeeds</c> gives
    /// <c>SmtpCollector.Hpfeeds</c>). An event Akka logs about one of our actors (a supervisor's, say) goes by the actor's
    /// path. Anything else keeps the name of the class that logged it.
    /// </summary>
    public static string Category(Type? logClass, string? logSource)
    {
        if (logClass is not null && IsOurs(logClass))
        {
            var ns = logClass.Namespace!;
            return "SmtpCollector." + ns[(ns.LastIndexOf('.') + 1)..];
        }
        if (logSource is not null)
        {
            var user = logSource.IndexOf("/user/", StringComparison.Ordinal);
            if (user >= 0)
            {
                var top = logSource[(user + "/user/".Length)..];
                var end = top.IndexOf('/');
                var name = end < 0 ? top : top[..end];
                if (ByTopActor.FirstOrDefault(prefix => name.StartsWith(prefix.Prefix, StringComparison.Ordinal)) is { Category: { } category })
                    return category;
            }
        }
        return logClass?.FullName ?? "Akka";
    }

    private static readonly (string Prefix, string Category)[] ByTopActor =
    [
        ("hpfeeds", "SmtpCollector.Hpfeeds"),
        ("lmtp", "SmtpCollector.Lmtp"),
        ("trap-domains", "SmtpCollector.Lmtp"),
        ("imap", "SmtpCollector.Imap"),
        ("archive", "SmtpCollector.Archive"),
    ];
}
