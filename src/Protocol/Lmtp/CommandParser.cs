using System.Text;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>Splits one command line (CRLF already removed) into verb and argument; refuses NUL and 8-bit bytes where they cannot be.</summary>
public static class CommandParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly (byte[] Name, LmtpVerb Verb)[] Verbs =
    [
        ("LHLO"u8.ToArray(), LmtpVerb.Lhlo),
        ("MAIL"u8.ToArray(), LmtpVerb.Mail),
        ("RCPT"u8.ToArray(), LmtpVerb.Rcpt),
        ("DATA"u8.ToArray(), LmtpVerb.Data),
        ("BDAT"u8.ToArray(), LmtpVerb.Bdat),
        ("RSET"u8.ToArray(), LmtpVerb.Rset),
        ("NOOP"u8.ToArray(), LmtpVerb.Noop),
        ("QUIT"u8.ToArray(), LmtpVerb.Quit),
        ("VRFY"u8.ToArray(), LmtpVerb.Vrfy),
        ("XFORWARD"u8.ToArray(), LmtpVerb.Xforward),
        ("HELO"u8.ToArray(), LmtpVerb.Helo),
        ("EHLO"u8.ToArray(), LmtpVerb.Ehlo),
    ];

    /// <summary>
    /// Whether message bytes rather than commands may follow this line: DATA or BDAT, however it turns out. A pipelined
    /// group of commands is cut there, since only the session's answer says how the bytes after it are read. Errs on the
    /// side of yes (the verb's four letters are enough).
    /// </summary>
    public static bool MayStartBody(ReadOnlySpan<byte> line) =>
        line.Length >= 4 && (Ascii.EqualsIgnoreCase(line[..4], "DATA"u8) || Ascii.EqualsIgnoreCase(line[..4], "BDAT"u8));

    public static ParsedLine Parse(ReadOnlySpan<byte> line)
    {
        if (line.Contains((byte)0))
            return ParsedLine.Refused(Rejection.NulInCommand);

        var space = line.IndexOf((byte)' ');
        var verbBytes = space < 0 ? line : line[..space];
        var rest = space < 0 ? [] : line[(space + 1)..];

        LmtpVerb? verb = null;
        foreach (var (name, value) in Verbs)
        {
            if (Ascii.EqualsIgnoreCase(verbBytes, name))
            {
                verb = value;
                break;
            }
        }

        if (verb is null)
            return ParsedLine.Refused(Rejection.UnknownCommand);

        string argument;
        if (Ascii.IsValid(rest))
        {
            argument = Encoding.ASCII.GetString(rest);
        }
        else
        {
            // 8-bit bytes are only meaningful in the addresses of MAIL and RCPT (SMTPUTF8, RFC 6531), and only as valid UTF-8.
            if (verb is not (LmtpVerb.Mail or LmtpVerb.Rcpt))
                return ParsedLine.Refused(Rejection.EightBitInCommand);
            try
            {
                argument = StrictUtf8.GetString(rest);
            }
            catch (DecoderFallbackException)
            {
                return ParsedLine.Refused(Rejection.EightBitInCommand);
            }
        }

        return ParsedLine.Of(new LmtpCommand(verb.Value, argument.Trim(' ')));
    }
}
