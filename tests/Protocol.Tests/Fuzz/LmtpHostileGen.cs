using CsCheck;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>A hostile client's byte stream: LMTP's vocabulary with random arguments, well-formed sessions, bodies, BDAT sizes that lie, garbage.</summary>
internal static class LmtpHostileGen
{
    private static readonly Gen<string> Ending = Gen.Frequency(
        (20, Gen.Const("\r\n")), (2, Gen.Const("\n")), (1, Gen.Const("\r")), (1, Gen.Const("")), (1, Gen.Const("\r\r\n")), (1, Gen.Const("\n\r")));

    private static readonly Gen<string> Junk =
        Gens.Pick("a", "b", "@", ".", "<", ">", "\"", "\\", " ", "\t", "\r", "\0", "é", ":", ",", "[", "]", "+", "=", "\u00ff", "x", "用")
            .Array[0, 16].Select(string.Concat);

    private static readonly Gen<string> Address = Gen.Frequency(
        (3, Gen.Select(
            Gens.Pick("user", "a.b", "\"q u\"", "\"a\\\"b\"", "jörg", "postmaster", "", ".a", "a..b", "@r.example:u", "@a,@b:u", "\"\"", "a\tb", "a\rb", "\"a\\\rb\"", "\"a\\\u007fb\"", "\"\\\u00e9\""),
            Gens.Pick("@trap.example", "@sub.trap.example", "@TRAP.EXAMPLE.", "@bücher.example", "@xn--bcher-kva.example", "@other.example",
                "@[192.0.2.1]", "@[IPv6:::1]", "@[1.2\r.3.4]", "@[\t]", "@", "", "@-x-.example", "@a..b", "@[", "@[]", "@xn--zz", "@\u00ff"),
            (l, d) => l + d)),
        (1, Junk));

    private static readonly Gen<string> MailParameters = Gens.Pick(
        "SIZE=0", "SIZE=100", "SIZE=26214400", "SIZE=99999999999999999999", "SIZE=-1", "SIZE=", "SIZE", "BODY=8BITMIME", "BODY=7BIT",
        "BODY=BINARYMIME", "BODY", "SMTPUTF8", "SMTPUTF8=YES", "AUTH=<>", "RET=HDRS", "=x", "X", "size=5", "SIZE=5").Array[0, 3]
        .Select(p => string.Concat(p.Select(x => " " + x)));

    private static readonly Gen<string> Argument = Gen.Frequency(
        (4, Gen.Select(Gens.Pick("FROM:", "from:", "FROM: ", "FROM:", "TO:", "to: ", "TO:"), Address, MailParameters,
            Gens.Pick("<{0}>", "<{0}>", "{0}", "<{0}", "<<{0}>>", "<{0}>x"), (k, a, p, shape) => k + string.Format(null, shape, a) + p)),
        (2, Gens.Pick("client.example", "", "a b", "[192.0.2.1]", "x\0y", "LAST", "0", "5 LAST", "NAME=x ADDR=1.2.3.4", "FOO=bar",
            "ADDR=+41+42", "ADDR=+zz", "HELO=[UNAVAILABLE]", "99999999999999999999", "-1")),
        (1, Junk));

    private static readonly Gen<byte[]> Command =
        from verb in Gens.Pick("LHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "XFORWARD", "HELO", "EHLO",
            "lhlo", "Mail", "rcpt", "STARTTLS", "AUTH", "", "XYZZY", "DATA\0")
        from withArgument in Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false)))
        from argument in Argument
        from ending in Ending
        select Gens.Utf8(verb + (withArgument ? " " + argument : "") + ending);

    private static readonly Gen<byte[]> Data =
        from stuffed in Gen.Bool
        from message in Gens.MessageBytes
        from terminated in Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false)))
        select Gens.Concat([
            "DATA\r\n"u8.ToArray(),
            stuffed ? LmtpModelRendering.Stuff(message)[..^3] : message,
            terminated ? "\r\n.\r\n"u8.ToArray() : []]);

    private static readonly Gen<byte[]> Bdat =
        from size in Gen.Frequency((6, Gen.Int[0, 60].Select(n => (long)n)), (1, Gen.Const(99_999_999_999_999_999L)), (1, Gen.Long[0, 100_000]))
        from last in Gens.Pick("", " LAST", " last", " LAST x", "  LAST")
        from bytes in Gen.Frequency((3, Gens.MessageBytes), (1, Gen.Byte.Array[0, 80]))
        from tell in Gen.Frequency((2, Gen.Const(true)), (1, Gen.Const(false)))
        // Telling the truth: the size is that of the bytes that follow. Lying: any size, any bytes.
        select Gens.Concat([Gens.Utf8($"BDAT {(tell ? bytes.Length : size)}{last}\r\n"), bytes]);

    /// <summary>A transaction that gets as far as a message, for any addresses the hostile generator makes up.</summary>
    private static readonly Gen<byte[]> Transaction =
        from utf8 in Gens.Pick("", " SMTPUTF8")
        from recipients in Address.Array[1, 3]
        from body in Gen.OneOf(Data, Bdat)
        select Gens.Utf8($"LHLO c.example\r\nMAIL FROM:<>{utf8}\r\n" + string.Concat(recipients.Select(r => $"RCPT TO:<{r}>\r\n")))
            .Concat(body).ToArray();

    private static readonly Gen<byte[]> Fragment = Gen.Frequency(
        (3, Transaction),
        (10, Command),
        (3, LmtpModelGen.Session.Select(s => LmtpModelRendering.Render(s).Input)),
        (3, Data),
        (3, Bdat),
        (2, Gen.Byte.Array[0, 300]),
        (1, Gen.Select(Gen.Int[300, 3000], Ending, (n, e) => Gens.Utf8(new string('x', n) + e))),
        (2, Gens.Pick("\n.\n", "\r\n.\r\n", ".\r\n", "\r\n", "\n", "\r", "\0", "\r\n.\n", "\n.\r\n").Select(Gens.Utf8)));

    public static readonly Gen<byte[]> Input = Fragment.Array[1, 30].Select(Gens.Concat);

    public static readonly Gen<LmtpSessionSettings> Settings =
        from maxLine in Gen.Frequency((1, Gen.Int[1, 40]), (6, Gen.Int[64, 512]), (1, Gen.Int[513, 2000]))
        from maxMessage in Gen.Frequency((2, Gen.Long[0, 100]), (4, Gen.Long[0, 5000]), (1, Gen.Long[0, 300_000]))
        from maxRecipients in Gen.Int[1, 5]
        from restrict in Gen.Bool
        select new LmtpSessionSettings("collector.test",
            new LmtpLimits { MaxCommandLineBytes = maxLine, MaxMessageBytes = maxMessage, MaxRecipients = maxRecipients },
            new TrapDomains(restrict ? ModelSession.TrapDomains : null));
}
