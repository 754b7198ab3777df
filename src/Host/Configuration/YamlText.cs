using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SmtpCollector.Host.Configuration;

/// <summary>A configuration file's YAML, parsed with every parser failure turned into a <see cref="ConfigException"/> naming the file.</summary>
public static class YamlText
{
    public static YamlStream Load(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ConfigException($"{source}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, with no position, on some unterminated flow collections ("key: [a").
            throw new ConfigException($"{source}: not valid YAML: the parser stopped without saying where; look for an unclosed [ or {{");
        }
        return stream;
    }
}
