using System.Globalization;
using System.Text;
using SmtpCollector.Actors.Sources.Lmtp;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Actors.Tests.Support;

/// <summary>
/// An LMTP conversation as a data file. <c>C: text</c> is a client line (CRLF appended); <c>C~ text</c> is raw client bytes
/// with escapes (\r \n \0 \xNN \\) and nothing appended; <c>S: pattern</c> is one server reply line, where * matches anything;
/// <c>@key: value</c> sets a server option for this transcript (<c>@stored: N</c>: the sink must end up with N messages); # starts a comment.
/// </summary>
public sealed record Transcript(string Name, byte[] ClientBytes, IReadOnlyList<string> ServerLines, LmtpServerSettings Settings, int ExpectedStored)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "transcripts");

    public static IEnumerable<object[]> All() =>
        System.IO.Directory.GetFiles(Directory, "*.txt").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    public static Transcript Load(string fileName)
    {
        var client = new List<byte>();
        var server = new List<string>();
        var settings = new LmtpServerSettings { HostName = "collector.test" };
        var stored = -1;
        foreach (var raw in File.ReadAllLines(Path.Combine(Directory, fileName), Encoding.UTF8))
        {
            if (raw.Length == 0 || raw.StartsWith('#'))
                continue;
            var body = raw.Length > 3 ? raw[3..] : "";
            switch (raw[..Math.Min(3, raw.Length)])
            {
                case "C: ":
                    client.AddRange(Encoding.UTF8.GetBytes(body + "\r\n"));
                    break;
                case "C~ ":
                    client.AddRange(Unescape(body));
                    break;
                case "S: ":
                    server.Add(body);
                    break;
                default:
                    if (raw.StartsWith("@stored:", StringComparison.Ordinal))
                        stored = int.Parse(raw[8..], CultureInfo.InvariantCulture);
                    else if (raw.StartsWith('@'))
                        settings = Apply(settings, raw[1..]);
                    else
                        throw new FormatException($"{fileName}: cannot read line '{raw}'");
                    break;
            }
        }
        if (stored < 0)
            throw new FormatException($"{fileName}: says nothing of what is stored (@stored: N)");
        return new Transcript(fileName, [.. client], server, settings, stored);
    }

    /// <summary>Checks the server's whole output against the expected lines; returns a description of the first difference, or null.</summary>
    public string? Compare(byte[] output)
    {
        var text = Encoding.UTF8.GetString(output);
        if (text.Length > 0 && !text.EndsWith("\r\n", StringComparison.Ordinal))
            return $"output does not end in CRLF: ...{text[^Math.Min(40, text.Length)..]}";
        var lines = text.Length == 0 ? [] : text[..^2].Split("\r\n");
        for (var i = 0; i < Math.Max(lines.Length, ServerLines.Count); i++)
        {
            var actual = i < lines.Length ? lines[i] : "<nothing>";
            var expected = i < ServerLines.Count ? ServerLines[i] : "<nothing>";
            if (!Matches(expected, actual))
                return $"reply line {i + 1}: expected '{expected}', got '{actual}'\nwhole output:\n{text}";
        }
        return null;
    }

    private static bool Matches(string pattern, string actual)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
            return pattern == actual;
        if (!actual.StartsWith(parts[0], StringComparison.Ordinal) || !actual.EndsWith(parts[^1], StringComparison.Ordinal))
            return false;
        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = actual.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0)
                return false;
            at = found + parts[i].Length;
        }
        return actual.Length - parts[^1].Length >= at;
    }

    private static LmtpServerSettings Apply(LmtpServerSettings settings, string directive)
    {
        var colon = directive.IndexOf(':');
        var key = directive[..colon].Trim();
        var value = directive[(colon + 1)..].Trim();
        return key switch
        {
            "domains" => settings with { Domains = new TrapDomains(value.Split(',', StringSplitOptions.TrimEntries)) },
            "max_recipients" => settings with { Limits = settings.Limits with { MaxRecipients = int.Parse(value, CultureInfo.InvariantCulture) } },
            "max_message_bytes" => settings with { Limits = settings.Limits with { MaxMessageBytes = long.Parse(value, CultureInfo.InvariantCulture) } },
            "max_command_line_bytes" => settings with { Limits = settings.Limits with { MaxCommandLineBytes = int.Parse(value, CultureInfo.InvariantCulture) } },
            _ => throw new FormatException($"unknown transcript option '{key}'"),
        };
    }

    private static byte[] Unescape(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
                continue;
            }
            var next = text[++i];
            switch (next)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case '0': bytes.Add(0); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x':
                    bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                default: throw new FormatException($"unknown escape \\{next}");
            }
        }
        return [.. bytes];
    }
}
