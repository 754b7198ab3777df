using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Fuzz;

public enum RecipientKind
{
    /// <summary>Well-formed and in a trap domain.</summary>
    Good,
    /// <summary>Well-formed, outside the trap domains (accepted all the same when every domain is served).</summary>
    OtherDomain,
    BadSyntax,
    /// <summary>A UTF-8 mailbox in a trap domain: needs SMTPUTF8 on MAIL.</summary>
    Utf8,
}

public sealed record ModelRecipient(string Address, RecipientKind Kind);

/// <summary>Client bytes that leave the session's state as it was, and the reply codes they get.</summary>
public sealed record Noise(byte[] Bytes, int[] Codes, string Name);

/// <summary>One mail transaction a well-behaved (if chatty) client sends. <see cref="Chunks"/>: the BDAT chunk sizes, null for DATA.</summary>
public sealed record ModelTransaction(
    string? Xforward,
    string Sender,
    bool SmtpUtf8,
    bool DeclareSize,
    string? BodyParameter,
    IReadOnlyList<object> Middle,
    byte[] Message,
    IReadOnlyList<int>? Chunks,
    bool Abort);

/// <summary>A whole LMTP session: LHLO, transactions and noise in any order, maybe QUIT and what follows it.</summary>
public sealed record ModelSession(
    int MaxLineBytes,
    long MaxMessageBytes,
    int MaxRecipients,
    bool RestrictDomains,
    IReadOnlyList<object> Items,
    bool Quit,
    byte[] AfterQuit,
    bool[] SinkStores)
{
    public static readonly string[] TrapDomains = ["trap.example", "bücher.example"];

    public LmtpSessionSettings Settings => new("collector.test",
        new LmtpLimits { MaxCommandLineBytes = MaxLineBytes, MaxMessageBytes = MaxMessageBytes, MaxRecipients = MaxRecipients },
        new TrapDomains(RestrictDomains ? TrapDomains : null));

    public Reply SinkVerdict(int index, string sha256) =>
        SinkStores.Length == 0 || SinkStores[index % SinkStores.Length] ? Replies.Delivered(sha256) : Replies.SinkFailed;
}

/// <summary>What a <see cref="ModelSession"/> must give, worked out from the model alone.</summary>
public sealed record ModelExpectation(byte[] Input, IReadOnlyList<int> Codes, IReadOnlyList<byte[]> Messages, IReadOnlyList<IReadOnlyList<string>> Recipients);
