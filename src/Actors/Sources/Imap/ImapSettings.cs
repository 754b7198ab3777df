namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>How the connection is secured. There is deliberately no "when available": a missing STARTTLS is an error, never plain text.</summary>
public enum ImapTls
{
    Implicit,
    StartTls,
    None,
}

public enum ImapAuth
{
    Password,
    XOAuth2,
}

/// <summary>One entry of the mailbox file (README, "The mailbox file"), validated.</summary>
public sealed record MailboxSettings
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string Username { get; init; }
    public required ImapTls Tls { get; init; }

    /// <summary>A PEM file with the CA that signed the server's certificate, instead of the system's trust store.</summary>
    public string? CaFile { get; init; }

    public ImapAuth Auth { get; init; } = ImapAuth.Password;

    /// <summary>The password, or the OAuth2 access token, read again at every connection (tokens expire). Never logged.</summary>
    public required Func<CancellationToken, Task<string>> Secret { get; init; }

    public IReadOnlyList<string> Folders { get; init; } = ["INBOX"];

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>For log lines and state file names: user@host:port.</summary>
    public string Name => $"{Username}@{Host}:{Port}";
}

/// <summary>The command line's choices, the same for every mailbox.</summary>
public sealed record ImapRunSettings
{
    /// <summary>-a: every message in the folder (remembered in the state file), else only the unseen ones (marked \Seen).</summary>
    public bool FetchAll { get; init; }

    /// <summary>-d: delete each message once its sink said stored.</summary>
    public bool Delete { get; init; }

    /// <summary>-c: keep running (IDLE or polling); else one pass.</summary>
    public bool Continuous { get; init; }

    public required string StateDirectory { get; init; }

    /// <summary>How long a message may wait for its sink; the deadline handed with StoreMessage.</summary>
    public TimeSpan SinkDeadline { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>IDLE is ended and re-issued this often: RFC 2177 allows 29 minutes, Gmail drops idle connections at about 10.</summary>
    public TimeSpan IdleRestart { get; init; } = TimeSpan.FromMinutes(9);

    /// <summary>Connecting, logging in and every single command give up after this long (a server that stops answering).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>In one-pass mode, how many times a folder reconnects after a dropped connection before the pass counts as failed.</summary>
    public int OnePassAttempts { get; init; } = 3;
}
