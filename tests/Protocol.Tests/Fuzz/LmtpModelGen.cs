using CsCheck;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>Generators of <see cref="ModelSession"/>: well-formed transactions (odd but valid addresses, both body verbs) among noise.</summary>
internal static class LmtpModelGen
{
    private static Noise N(string text, params int[] codes) => new(Gens.Utf8(text), codes, text);

    private static readonly string LongArgument = new('x', 1100);

    /// <summary>Refused or harmless in any state after LHLO: nothing changes.</summary>
    private static readonly Noise[] Anywhere =
    [
        N("NOOP\r\n", 250), N("noop\r\n", 250), N("VRFY someone\r\n", 252), N("VRFY <postmaster>\r\n", 252),
        N("HELO x.example\r\n", 500), N("EHLO x.example\r\n", 500), N("XYZZY foo\r\n", 500), N("STARTTLS\r\n", 500),
        N("\r\n", 500), N(".\r\n", 500), N("\n.\n", 500, 500), N("\r\n.\r\n", 500, 500), N("NO\0OP\r\n", 500),
        N("NOOP \u00ff\r\n", 500), N("NO\rOP\r\n", 500), N("RSET\n", 500), N("DATA\n", 500), N("QUIT\n", 500),
        N($"NOOP {LongArgument}\r\n", 500), N($"{LongArgument}\n", 500), N("LHLO\r\n", 501), N("LHLO a b\r\n", 501),
        N("RSET now\r\n", 501), N("VRFY\r\n", 501), N("BDAT\r\n", 501), N("BDAT x\r\n", 501), N("BDAT 1 NOTLAST\r\n", 501),
        N("BDAT 99999999999999999999\r\n", 501), N("BDAT -1 LAST\r\n", 501),
    ];

    /// <summary>Between transactions (after LHLO, no MAIL yet).</summary>
    private static readonly Noise[] Outside =
    [
        .. Anywhere,
        N("RCPT TO:<a@trap.example>\r\n", 503), N("DATA\r\n", 503), N("BDAT 3\r\nabc", 503), N("BDAT 0 LAST\r\n", 503),
        N("BDAT 5\r\n\r\n.\r\n", 503), N("XFORWARD NAME=x.example ADDR=192.0.2.1\r\n", 250), N("XFORWARD FOO=bar\r\n", 501),
        N("XFORWARD ADDR=+4\r\n", 501), N("LHLO again.example\r\n", 250), N("RSET\r\n", 250), N("DATA x\r\n", 503),
    ];

    /// <summary>Inside a transaction, before its DATA or first BDAT.</summary>
    private static readonly Noise[] Inside =
    [
        .. Anywhere,
        N("MAIL FROM:<x@y.example>\r\n", 503), N("XFORWARD NAME=x.example\r\n", 503), N("DATA now\r\n", 501),
        N("RCPT TO:<a@trap.example> NOTIFY=NEVER\r\n", 555), N("RCPT TO:a@trap.example\r\n", 501), N("RCPT FROM:<a@trap.example>\r\n", 501),
        N("MAIL FROM:<a@trap.example>\n", 500), N("RCPT TO:<a@trap.example>\n", 500),
    ];

    private static readonly Gen<ModelRecipient> Recipient = Gen.Frequency(
        (4, Gen.Select(
            Gens.Pick("user", "a.b", "x+tag", "\"quoted user\"", "\"a\\\"b\"", "UPPER", "o'brien", "a_b-c", "{x}"),
            Gens.Pick("trap.example", "sub.trap.example", "TRAP.EXAMPLE", "trap.example.", "xn--bcher-kva.example"),
            (local, domain) => new ModelRecipient($"{local}@{domain}", RecipientKind.Good))),
        (1, Gens.Pick("postmaster", "Postmaster", "@relay.example:user@trap.example", "@a.example,@b.example:x@sub.trap.example")
            .Select(a => new ModelRecipient(a, RecipientKind.Good))),
        (2, Gens.Pick("user@other.example", "user@trap.example.evil", "user@nottrap.example", "user@[192.0.2.1]", "user@[IPv6:2001:db8::1]")
            .Select(a => new ModelRecipient(a, RecipientKind.OtherDomain))),
        (2, Gens.Pick("a..b@trap.example", ".a@trap.example", "user@", "us er@trap.example", "a@b@trap.example", "\"unclosed@trap.example", "")
            .Select(a => new ModelRecipient(a, RecipientKind.BadSyntax))),
        (1, Gens.Pick("jörg@trap.example", "user@bücher.example", "用户@sub.trap.example")
            .Select(a => new ModelRecipient(a, RecipientKind.Utf8))));

    private static readonly Gen<ModelTransaction> Transaction =
        from smtpUtf8 in Gen.Bool
        from sender in smtpUtf8
            ? Gens.Pick("sender@spam.example", "", "jörg@spam.example", "\"odd sender\"@spam.example")
            : Gens.Pick("sender@spam.example", "", "a.b+c@spam.example", "\"odd sender\"@spam.example")
        from xforward in Gen.Frequency((3, Gen.Const((string?)null)),
            (1, Gens.Pick<string?>("NAME=spammer.example ADDR=192.0.2.7", "ADDR=IPv6:2001:db8::7 PORT=25", "HELO=[UNAVAILABLE] PROTO=ESMTP", "NAME=a+20b SOURCE=REMOTE")))
        from declareSize in Gen.Bool
        from bodyParameter in Gens.Pick<string?>(null, null, "7BIT", "8BITMIME", "8bitmime")
        from middle in Gen.Frequency((4, Recipient.Select(r => (object)r)), (1, Gens.Pick(Inside).Select(n => (object)n))).Array[0, 8]
        from message in Gens.MessageBytes
        from chunks in Gen.Frequency((3, Gen.Const((int[]?)null)), (2, Gen.Int[0, 2000].Array[1, 4].Select(c => (int[]?)c)))
        from abort in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
        select new ModelTransaction(xforward, sender, smtpUtf8, declareSize, bodyParameter, middle,
            chunks is null ? EndInCrlf(message) : message, chunks, abort);

    public static readonly Gen<ModelSession> Session =
        from maxLine in Gen.Int[200, 1000]
        from maxMessage in Gen.Frequency((3, Gen.Long[0, 3000]), (1, Gen.Long[0, 300_000]))
        from maxRecipients in Gen.Int[1, 6]
        from restrict in Gen.Bool
        from items in Gen.Frequency((3, Transaction.Select(t => (object)t)), (1, Gens.Pick(Outside).Select(n => (object)n))).Array[0, 6]
        from quit in Gen.Bool
        from afterQuit in Gen.Frequency((1, Gen.Const(Array.Empty<byte>())), (1, Gens.MessageBytes))
        from stores in Gen.Bool.Array[0, 4]
        select new ModelSession(maxLine, maxMessage, maxRecipients, restrict, items, quit, afterQuit, stores);

    /// <summary>A DATA body always ends in CRLF: the client adds one where the message has none (RFC 5321 4.1.1.4).</summary>
    private static byte[] EndInCrlf(byte[] message) =>
        message.Length == 0 || message.AsSpan().EndsWith("\r\n"u8) ? message : [.. message, (byte)'\r', (byte)'\n'];
}
