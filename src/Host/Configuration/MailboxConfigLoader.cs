using System.Diagnostics;
using System.Globalization;
using SmtpCollector.Actors.Sources.Imap;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SmtpCollector.Host.Configuration;

/// <summary>
/// Reads the mailbox file (<c>-m</c>): the original's YAML list (username, password, protocol: imap, host, port) as it
/// is, plus this collector's keys. Read node by node rather than deserialized, so that every error names the file, the
/// line and column, the entry and the key.
/// </summary>
public static class MailboxConfigLoader
{
    public static readonly IReadOnlyList<string> Keys =
    [
        "username", "password", "password_env", "password_file", "protocol", "host", "port", "tls", "ca_file", "folders",
        "auth", "token_file", "token_command", "poll_seconds",
    ];

    private static readonly string[] PasswordKeys = ["password", "password_env", "password_file"];
    private static readonly string[] TokenKeys = ["token_file", "token_command"];

    public static IReadOnlyList<MailboxSettings> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the mailbox file: {ex.Message}");
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    /// <param name="baseDirectory">Relative ca_file, password_file and token_file paths are taken from here (the file's folder).</param>
    public static IReadOnlyList<MailboxSettings> Parse(string text, string source, string baseDirectory)
    {
        var stream = YamlText.Load(text, source);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlSequenceNode list || list.Children.Count == 0)
            throw new ConfigException($"{source}:1:1: the mailbox file must be a YAML list with at least one mailbox (- username: ..., host: ...)");

        var mailboxes = new List<MailboxSettings>();
        foreach (var (node, index) in list.Children.Select((n, i) => (n, i + 1)))
        {
            if (node is not YamlMappingNode entry)
                throw new ConfigException($"{source}:{node.Start.Line}:{node.Start.Column}: mailbox {index}: an entry must be a mapping of keys to values");
            mailboxes.Add(new Entry(entry, index, source, baseDirectory).Read());
        }
        return mailboxes;
    }

    private sealed class Entry(YamlMappingNode node, int index, string source, string baseDirectory)
    {
        private ConfigException Error(YamlNode at, string key, string what) =>
            new($"{source}:{at.Start.Line}:{at.Start.Column}: mailbox {index}: '{key}' {what}");

        private YamlNode? Node(string key) =>
            node.Children.FirstOrDefault(p => (p.Key as YamlScalarNode)?.Value == key).Value;

        private string? Scalar(string key) => Node(key) switch
        {
            null => null,
            YamlScalarNode scalar => scalar.Value,
            var other => throw Error(other, key, "must be a single value"),
        };

        private string Required(string key) =>
            Scalar(key) is { Length: > 0 } value ? value : throw new ConfigException($"{source}:{node.Start.Line}:{node.Start.Column}: mailbox {index}: '{key}' is missing");

        public MailboxSettings Read()
        {
            foreach (var key in node.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!Keys.Contains(name))
                    throw Error(key, name, $"is not a known key (known keys: {string.Join(", ", Keys)})");
            }
            var protocol = Scalar("protocol") ?? "imap";
            if (!protocol.Equals("imap", StringComparison.OrdinalIgnoreCase))
                throw Error(Node("protocol")!, "protocol", $"is '{protocol}': only imap is supported");
            var host = Required("host");
            var username = Required("username");
            var port = Port();
            var tls = Tls(port);
            var auth = Scalar("auth") switch
            {
                null or "password" => ImapAuth.Password,
                "xoauth2" => ImapAuth.XOAuth2,
                var other => throw Error(Node("auth")!, "auth", $"is '{other}': password or xoauth2"),
            };
            var folders = Folders();
            var poll = Scalar("poll_seconds") is { } pollText
                ? double.TryParse(pollText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86_400
                    ? TimeSpan.FromSeconds(seconds)
                    : throw Error(Node("poll_seconds")!, "poll_seconds", $"is '{pollText}': a number of seconds from 1 to 86400")
                : TimeSpan.FromSeconds(60);
            var caFile = Scalar("ca_file") is { } ca ? ExistingFile("ca_file", ca) : null;
            return new MailboxSettings
            {
                Host = host,
                Port = port,
                Username = username,
                Tls = tls,
                CaFile = caFile,
                Auth = auth,
                Secret = auth == ImapAuth.XOAuth2 ? Token() : Password(),
                Folders = folders,
                PollInterval = poll,
            };
        }

        private int Port()
        {
            if (Node("port") is not { } at)
                throw new ConfigException($"{source}:{node.Start.Line}:{node.Start.Column}: mailbox {index}: 'port' is missing");
            var text = Scalar("port") ?? "";
            return int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
                ? port
                : throw Error(at, "port", $"is '{text}': a TCP port from 1 to 65535");
        }

        // Implicit TLS on 993 and STARTTLS elsewhere unless told; never "when available", which would fall back to plain text.
        private ImapTls Tls(int port) => Scalar("tls") switch
        {
            null => port == 993 ? ImapTls.Implicit : ImapTls.StartTls,
            "implicit" => ImapTls.Implicit,
            "starttls" => ImapTls.StartTls,
            "none" => ImapTls.None,
            var other => throw Error(Node("tls")!, "tls", $"is '{other}': implicit, starttls or none"),
        };

        private List<string> Folders()
        {
            switch (Node("folders"))
            {
                case null:
                    return ["INBOX"];
                case YamlSequenceNode sequence when sequence.Children.Count > 0:
                    return sequence.Children.Select(f => f is YamlScalarNode { Value: { Length: > 0 } name }
                        ? name
                        : throw Error(f, "folders", "must list folder names")).Distinct(StringComparer.Ordinal).ToList();
                case YamlScalarNode { Value: { Length: > 0 } single }:
                    return [single];
                case var other:
                    throw Error(other, "folders", "must list at least one folder name");
            }
        }

        private string ExistingFile(string key, string path)
        {
            var full = Path.GetFullPath(path, baseDirectory);
            return File.Exists(full) ? full : throw Error(Node(key)!, key, $"names {full}, which does not exist");
        }

        /// <summary>Exactly one of password, password_env, password_file. Errors say where it was looked for, never what it is.</summary>
        private Func<CancellationToken, Task<string>> Password()
        {
            var given = PasswordKeys.Where(k => Node(k) is not null).ToArray();
            if (given.Length != 1)
                throw new ConfigException($"{source}:{node.Start.Line}:{node.Start.Column}: mailbox {index}: give the password exactly once: password, password_env or password_file (found {(given.Length == 0 ? "none" : string.Join(", ", given))})");
            string password;
            if (Scalar("password") is { } literal)
                password = literal;
            else if (Scalar("password_env") is { } variable)
                password = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
                    ? value
                    : throw Error(Node("password_env")!, "password_env", $"names {variable}, which is not set");
            else
            {
                var file = ExistingFile("password_file", Scalar("password_file") ?? "");
                password = File.ReadAllText(file).TrimEnd('\r', '\n');
            }
            return _ => Task.FromResult(password);
        }

        /// <summary>OAuth2 access tokens expire within the hour: read (or made) again at every connection.</summary>
        private Func<CancellationToken, Task<string>> Token()
        {
            var given = TokenKeys.Where(k => Node(k) is not null).ToArray();
            if (given.Length != 1)
                throw new ConfigException($"{source}:{node.Start.Line}:{node.Start.Column}: mailbox {index}: auth: xoauth2 needs exactly one of token_file or token_command");
            if (Scalar("token_file") is { } tokenFile)
            {
                var file = ExistingFile("token_file", tokenFile);
                return async cancellation => (await File.ReadAllTextAsync(file, cancellation)).Trim();
            }
            var command = Scalar("token_command") ?? "";
            var directory = baseDirectory;
            return cancellation => RunTokenCommand(command, directory, cancellation);
        }
    }

    private static async Task<string> RunTokenCommand(string command, string directory, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = directory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start) ?? throw new IOException($"cannot start token_command");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0 && output.Trim() is { Length: > 0 } token
            ? token
            : throw new IOException($"token_command exited with {process.ExitCode} and printed no token");
    }
}
