namespace SmtpCollector.TestSupport;

/// <summary>A message's bytes as an LMTP client sends them.</summary>
public static class MessageBytes
{
    /// <summary>The message as DATA carries it: lines beginning with a dot get another, and the lone dot ends it.</summary>
    public static byte[] DotStuff(byte[] message)
    {
        var output = new MemoryStream(message.Length + 64);
        var lineStart = true;
        foreach (var b in message)
        {
            if (lineStart && b == (byte)'.')
                output.WriteByte((byte)'.');
            output.WriteByte(b);
            lineStart = b == (byte)'\n' && output.Length >= 2 && output.GetBuffer()[output.Length - 2] == (byte)'\r';
        }
        if (message.Length > 0 && !(message.Length >= 2 && message[^2] == '\r' && message[^1] == '\n'))
            throw new ArgumentException("a message sent over LMTP must end in CRLF", nameof(message));
        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    /// <summary>A corpus file as an LMTP client sends it: bare LF line ends become CRLF; CRLF and lone CR stay as they are.</summary>
    public static byte[] ToCrlf(byte[] file)
    {
        var output = new MemoryStream(file.Length + file.Length / 20);
        for (var i = 0; i < file.Length; i++)
        {
            if (file[i] == (byte)'\n' && (i == 0 || file[i - 1] != (byte)'\r'))
                output.WriteByte((byte)'\r');
            output.WriteByte(file[i]);
        }
        if (file.Length > 0 && file[^1] != (byte)'\n')
            output.Write("\r\n"u8);
        return output.ToArray();
    }
}
