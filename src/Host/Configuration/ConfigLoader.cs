using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SmtpCollector.Host.Configuration;

/// <summary>Reads the YAML configuration strictly: an unknown key or a wrong value is an error naming the file, line and key.</summary>
public static class ConfigLoader
{
    private static readonly INamingConvention Naming = UnderscoredNamingConvention.Instance;

    public static IReadOnlyList<string> KnownKeys { get; } = typeof(CollectorConfig)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => Naming.Apply(p.Name))
        .ToArray();

    public static CollectorConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the configuration: {ex.Message}");
        }
        return Parse(text, path);
    }

    public static CollectorConfig Parse(string text, string source)
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

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return new CollectorConfig();
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{source}:{stream.Documents[0].RootNode.Start.Line}: the configuration must be a mapping of keys to values");

        foreach (var key in root.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!KnownKeys.Contains(name))
                throw new ConfigException($"{source}:{key.Start.Line}:{key.Start.Column}: unknown key '{name}' (known keys: {string.Join(", ", KnownKeys)})");
        }

        var deserializer = new DeserializerBuilder().WithNamingConvention(Naming).Build();
        try
        {
            return deserializer.Deserialize<CollectorConfig>(text) ?? new CollectorConfig();
        }
        catch (YamlException ex)
        {
            var key = KeyAt(root, ex.Start.Line);
            var cause = ex.InnerException?.Message ?? ex.Message;
            throw new ConfigException($"{source}:{ex.Start.Line}:{ex.Start.Column}: invalid value{(key is null ? "" : $" for '{key}'")}: {cause}");
        }
    }

    private static string? KeyAt(YamlMappingNode root, long line) =>
        root.Children
            .Where(pair => pair.Key.Start.Line <= line)
            .OrderByDescending(pair => pair.Key.Start.Line)
            .Select(pair => (pair.Key as YamlScalarNode)?.Value)
            .FirstOrDefault();
}
