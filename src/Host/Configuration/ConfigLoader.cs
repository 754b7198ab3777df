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

    public static IReadOnlyList<string> KnownKeys<T>() => typeof(T)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => Naming.Apply(p.Name))
        .ToArray();

    public static CollectorConfig Load(string path) => Load<CollectorConfig>(path);

    public static CollectorConfig Parse(string text, string source) => Parse<CollectorConfig>(text, source);

    public static T Load<T>(string path) where T : class, new()
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
        return Parse<T>(text, path);
    }

    public static T Parse<T>(string text, string source) where T : class, new()
    {
        var stream = YamlText.Load(text, source);

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return new T();
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{source}:{stream.Documents[0].RootNode.Start.Line}: the configuration must be a mapping of keys to values");

        var known = KnownKeys<T>();
        foreach (var key in root.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(name))
                throw new ConfigException($"{source}:{key.Start.Line}:{key.Start.Column}: unknown key '{name}' (known keys: {string.Join(", ", known)})");
        }

        var deserializer = new DeserializerBuilder().WithNamingConvention(Naming).Build();
        try
        {
            return deserializer.Deserialize<T>(text) ?? new T();
        }
        catch (YamlException ex)
        {
            var key = KeyAt(root, ex.Start.Line);
            var cause = ex.InnerException?.Message ?? ex.Message;
            throw new ConfigException($"{source}:{ex.Start.Line}:{ex.Start.Column}: invalid value{(key is null ? "" : $" for '{key}'")}: {cause}");
        }
    }

    /// <summary>
    /// A problem found after parsing (a value out of range, a path that cannot be read), pointed at its key's line and
    /// column as a parse error is: "FILE: KEY ..." becomes "FILE:LINE:COLUMN: KEY ...". Only when the key is in the file
    /// with the value the message quotes, so that a value from the command line is not blamed on the file.
    /// </summary>
    public static ConfigException Located(ConfigException problem, string path)
    {
        var prefix = path + ": ";
        if (!problem.Message.StartsWith(prefix, StringComparison.Ordinal))
            return problem;
        var rest = problem.Message[prefix.Length..];
        // A key in a section is SECTION.KEY ("cluster.management_port"): pointed at as deep as the file has it.
        var keys = new string(rest.TakeWhile(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.').ToArray())
            .Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length == 0)
            return problem;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(path)));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
                return problem;
            YamlNode? name = null;
            YamlNode? value = root;
            foreach (var key in keys)
            {
                if (value is not YamlMappingNode section
                    || section.Children.FirstOrDefault(pair => (pair.Key as YamlScalarNode)?.Value == key) is not { Key: { } found } pair)
                    break;
                (name, value) = (found, pair.Value);
            }
            if (name is null || (value is YamlScalarNode { Value: { } text } && !rest.Contains(text, StringComparison.Ordinal)))
                return problem;
            return new ConfigException($"{path}:{name.Start.Line}:{name.Start.Column}: {rest}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or YamlException or InvalidOperationException)
        {
            return problem;
        }
    }

    private static string? KeyAt(YamlMappingNode root, long line) =>
        root.Children
            .Where(pair => pair.Key.Start.Line <= line)
            .OrderByDescending(pair => pair.Key.Start.Line)
            .Select(pair => (pair.Key as YamlScalarNode)?.Value)
            .FirstOrDefault();
}
