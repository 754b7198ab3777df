using System.Globalization;
using Microsoft.Extensions.Logging;
using Serilog;

namespace SmtpCollector.Host.Hosting;

public static class ConsoleLogging
{
    /// <summary>
    /// One line per event on stdout, written by the thread that logs. Microsoft's console logger hands every line to a
    /// thread of its own, and waking it cost a context switch per delivered message (bench/README.md, "What the time
    /// goes to"). The price is the same as that logger's once its queue of 2,500 lines is full: a stdout that stops
    /// draining stalls whoever logs, and Postfix keeps the mail meanwhile (docs/reliability.md, "Open").
    /// </summary>
    public static ILoggingBuilder AddCollectorConsole(this ILoggingBuilder logging)
    {
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(
                outputTemplate: "{UtcTimestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {Level:u4} {SourceContext}: {Message:lj}{NewLine}{Exception}",
                formatProvider: CultureInfo.InvariantCulture)
            .CreateLogger();
        return logging.AddSerilog(logger, dispose: true);
    }
}
