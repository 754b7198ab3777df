using System.Reflection;
using Akka.Hosting;

namespace SmtpCollector.Host.Hosting;

public static class HoconSettings
{
    /// <summary>The settings in <c>hocon/*.hocon</c> (embedded at build time), for what Akka.Hosting has no API for.</summary>
    public static AkkaConfigurationBuilder WithHoconSettings(this AkkaConfigurationBuilder builder)
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".hocon", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            builder.AddHocon(reader.ReadToEnd(), HoconAddMode.Prepend);
        }
        return builder;
    }
}
