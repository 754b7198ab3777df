using System.Globalization;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace SmtpCollector.Host.Hosting;

public static class ConsoleLogging
{
    /// <summary>
    /// One line per event on stdout, written by the thread that logs. Microsoft's console logger hands every line to a
    /// thread of its own, and waking it cost a context switch per delivered message (bench/README.md, "What the time
    /// goes to"). The price is the same as that logger's once its queue of 2,500 lines is full: a stdout that stops
    /// draining stalls whoever logs, and Postfix keeps the mail meanwhile (docs/reliability.md, "Open").
    /// </summary>
    /// <param name="json">One compact JSON object per line (Serilog's CLEF: <c>@t</c>, <c>@m</c>, <c>@l</c>, and every
    /// field of the message as a property) instead of text, for log shippers.</param>
    /// <param name="level">The least severe event written, changed while running by a reload (SIGHUP); information when none.
    /// Microsoft.Extensions.Logging passes every level on, so that this switch alone decides.</param>
    public static ILoggingBuilder AddCollectorConsole(this ILoggingBuilder logging, bool json = false, LoggingLevelSwitch? level = null)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.ControlledBy(level ?? new LoggingLevelSwitch(LogEventLevel.Information))
            // ASP.NET Core says four INFO lines per HTTP request: every Prometheus scrape and health check would be in the
            // log, burying the one line per message. Its warnings and errors still come through.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning);
        logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace);
        var logger = (json
                ? configuration.WriteTo.Console(new RenderedCompactJsonFormatter())
                : configuration.WriteTo.Console(
                    outputTemplate: "{UtcTimestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {Level:u4} {SourceContext}: {Message:lj}{NewLine}{Exception}",
                    formatProvider: CultureInfo.InvariantCulture))
            .CreateLogger();
        return logging.AddSerilog(logger, dispose: true);
    }
}
