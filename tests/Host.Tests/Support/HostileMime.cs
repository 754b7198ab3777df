using System.Text;

namespace SmtpCollector.Host.Tests.Support;

/// <summary>Messages made to hurt a MIME parser.</summary>
public static class HostileMime
{
    /// <summary><paramref name="depth"/> multiparts, each the only part of the one above.</summary>
    public static byte[] NestedParts(int depth)
    {
        var text = new StringBuilder("Subject: nested\r\nMIME-Version: 1.0\r\n");
        for (var i = 0; i < depth; i++)
            text.Append(FormattableString.Invariant($"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"));
        text.Append("Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"deep.txt\"\r\n\r\ndeep\r\n");
        for (var i = depth - 1; i >= 0; i--)
            text.Append(FormattableString.Invariant($"--b{i}--\r\n"));
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>One header field of about <paramref name="bytes"/> bytes, folded into lines of 76.</summary>
    public static byte[] HugeHeader(int bytes)
    {
        var text = new StringBuilder("Subject: huge\r\nX-Huge: x", bytes + 1024);
        while (text.Length < bytes)
            text.Append(new string('x', 74)).Append("\r\n ");
        text.Append("end\r\n\r\nbody\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
