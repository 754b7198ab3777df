namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// Turns a <see cref="ModelSession"/> into client bytes and, independently of the protocol code, the reply codes and the
/// messages it must produce: the client side of RFC 5321/2033/3030 as a sender would implement it (dot-stuffing included).
/// </summary>
internal static class LmtpModelRendering
{
    public static ModelExpectation Render(ModelSession session)
    {
        var r = new Renderer(session);
        r.Line("LHLO client.example", 250);
        foreach (var item in session.Items)
        {
            switch (item)
            {
                case Noise noise:
                    r.Add(noise);
                    break;
                case ModelTransaction transaction:
                    r.Transaction(transaction);
                    break;
            }
        }
        if (session.Quit)
        {
            r.Line("QUIT", 221);
            r.Raw(session.AfterQuit);
        }
        return new ModelExpectation([.. r.Input], r.Codes, r.Messages, r.Recipients);
    }

    /// <summary>RFC 5321 4.5.2: a line that starts with a dot gets one more; the message ends with CRLF "." CRLF.</summary>
    public static byte[] Stuff(byte[] message)
    {
        var output = new List<byte>(message.Length + 8);
        var lineStart = true;
        for (var i = 0; i < message.Length; i++)
        {
            if (lineStart && message[i] == (byte)'.')
                output.Add((byte)'.');
            output.Add(message[i]);
            lineStart = message[i] == (byte)'\n' && i > 0 && message[i - 1] == (byte)'\r';
        }
        output.AddRange(".\r\n"u8.ToArray());
        return [.. output];
    }

    private sealed class Renderer(ModelSession session)
    {
        public List<byte> Input { get; } = [];
        public List<int> Codes { get; } = [];
        public List<byte[]> Messages { get; } = [];
        public List<IReadOnlyList<string>> Recipients { get; } = [];

        public void Line(string text, params int[] codes)
        {
            Input.AddRange(Gens.Utf8(text + "\r\n"));
            Codes.AddRange(codes);
        }

        public void Raw(byte[] bytes) => Input.AddRange(bytes);

        public void Add(Noise noise)
        {
            Input.AddRange(noise.Bytes);
            Codes.AddRange(noise.Codes);
        }

        public void Transaction(ModelTransaction t)
        {
            if (t.Xforward is not null)
                Line($"XFORWARD {t.Xforward}", 250);
            var mail = $"MAIL FROM:<{t.Sender}>";
            if (t.DeclareSize && t.Message.Length <= session.MaxMessageBytes)
                mail += $" SIZE={t.Message.Length}";
            if (t.BodyParameter is not null)
                mail += $" BODY={t.BodyParameter}";
            if (t.SmtpUtf8)
                mail += " SMTPUTF8";
            Line(mail, 250);

            var accepted = new List<string>();
            foreach (var item in t.Middle)
            {
                if (item is Noise noise)
                    Add(noise);
                else if (item is ModelRecipient recipient)
                    Recipient(recipient, t.SmtpUtf8, accepted);
            }

            if (t.Abort)
            {
                Line("RSET", 250);
                return;
            }
            if (accepted.Count == 0)
            {
                // No message follows a refused DATA: a real client stops there too.
                Line("DATA", 503);
                Line("RSET", 250);
                return;
            }

            if (t.Chunks is null)
            {
                Line("DATA", 354);
                Raw(Stuff(t.Message));
            }
            else
            {
                var at = 0;
                for (var i = 0; i < t.Chunks.Count; i++)
                {
                    var last = i == t.Chunks.Count - 1;
                    var size = last ? t.Message.Length - at : Math.Min(t.Chunks[i], t.Message.Length - at);
                    Input.AddRange(Gens.Utf8($"BDAT {size}{(last ? " LAST" : "")}\r\n"));
                    Raw(t.Message[at..(at + size)]);
                    at += size;
                    if (!last)
                        Codes.Add(250);
                }
            }

            int verdict;
            if (t.Message.Length > session.MaxMessageBytes)
            {
                verdict = 552;
            }
            else
            {
                verdict = session.SinkStores.Length == 0 || session.SinkStores[Messages.Count % session.SinkStores.Length] ? 250 : 451;
                Messages.Add(t.Message);
                Recipients.Add(accepted);
            }
            Codes.AddRange(accepted.Select(_ => verdict));
        }

        private void Recipient(ModelRecipient recipient, bool smtpUtf8, List<string> accepted)
        {
            var line = $"RCPT TO:<{recipient.Address}>";
            switch (recipient.Kind)
            {
                case RecipientKind.BadSyntax:
                    Line(line, 501);
                    return;
                case RecipientKind.Utf8 when !smtpUtf8:
                    Line(line, 553);
                    return;
                case RecipientKind.OtherDomain when session.RestrictDomains:
                    Line(line, 550);
                    return;
            }
            if (accepted.Count >= session.MaxRecipients)
            {
                Line(line, 452);
                return;
            }
            accepted.Add(recipient.Address);
            Line(line, 250);
        }
    }
}
