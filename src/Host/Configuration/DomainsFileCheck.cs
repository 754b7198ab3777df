using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Host.Configuration;

/// <summary>The trap domains file checked line by line, for <c>check-config</c> and for a reload, which both name the bad line.</summary>
public static class DomainsFileCheck
{
    /// <summary>Every bad line of the file, each with its number (the collector refuses the whole file for any one of them).</summary>
    /// <exception cref="ConfigException">The file cannot be read, or a line is not a domain name.</exception>
    public static void Check(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read: {ex.Message}");
        }
        var errors = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            try
            {
                _ = new TrapDomains(TrapDomains.ParseList(lines[i]));
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{path}:{i + 1}: {ex.Message}");
            }
        }
        if (errors.Count > 0)
            throw new ConfigException(string.Join(Environment.NewLine, errors));
    }
}
