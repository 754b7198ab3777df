using System.Text;

namespace SmtpCollector.Protocol.Lmtp;

/// <summary>One LMTP reply: a code, an optional enhanced status code (RFC 2034) and one or more text lines.</summary>
public sealed record Reply(int Code, string? Enhanced, IReadOnlyList<string> Lines)
{
    public Reply(int code, string? enhanced, string text) : this(code, enhanced, [text]) { }

    public bool IsPositive => Code < 400;

    /// <summary>A copy whose text is prefixed, used for the per-recipient replies after DATA.</summary>
    public Reply For(string recipient) => this with { Lines = [$"<{recipient}> {Lines[0]}", .. Lines.Skip(1)] };

    public override string ToString()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            sb.Append(Code).Append(i == Lines.Count - 1 ? ' ' : '-');
            if (Enhanced is not null)
                sb.Append(Enhanced).Append(' ');
            sb.Append(Lines[i]).Append("\r\n");
        }
        return sb.ToString();
    }
}
