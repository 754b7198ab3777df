namespace SmtpCollector.Host.Tests.Imap.Support;

/// <summary>Writes mailbox files (the <c>-m</c> YAML) for a test's Dovecot.</summary>
public static class MailboxFile
{
    public static string Entry(int port, string user, string password, string tls = "none", string? caFile = null, string[]? folders = null, string host = "127.0.0.1", string extra = "") =>
        $"""
        - username: "{user}"
          password: "{password}"
          protocol: "imap"
          host: "{host}"
          port: {port}
          tls: {tls}
        {(caFile is null ? "" : $"  ca_file: \"{caFile}\"\n")}{(folders is null ? "" : $"  folders: [{string.Join(", ", folders.Select(f => $"\"{f}\""))}]\n")}{(extra.Length == 0 ? "" : $"  {extra}\n")}
        """;

    public static string Write(TempDirectory temp, params string[] entries)
    {
        var path = temp.File("mailboxes.yml");
        File.WriteAllText(path, "--- # Mailbox configs\n" + string.Join("", entries));
        return path;
    }

    /// <summary>The arguments every run in a test shares: mailbox file, file sink, state directory.</summary>
    public static string[] Arguments(TempDirectory temp, string mailboxFile, params string[] more) =>
        ["-m", mailboxFile, "--sink", "file:" + temp.File("published.jsonl"), "--state-dir", temp.File("state"), .. more];

    public static string Published(TempDirectory temp) => temp.File("published.jsonl");
}
