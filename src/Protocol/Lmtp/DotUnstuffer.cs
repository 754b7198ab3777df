namespace SmtpCollector.Protocol.Lmtp;

/// <summary>
/// One step of reading a DATA body: keep input[<see cref="Start"/>..+<see cref="Length"/>] (after a CR held from the previous
/// input when <see cref="HeldCarriageReturn"/>), and go on after <see cref="Consumed"/> bytes; <see cref="Ended"/>: the lone dot was read.
/// </summary>
public readonly record struct DataScan(int Start, int Length, int Consumed, bool HeldCarriageReturn, bool Ended);

/// <summary>
/// Reads a DATA body incrementally (RFC 5321 4.5.2): removes the first dot of lines that begin with one, and stops at
/// CRLF "." CRLF. The body is returned as slices of the input, so nothing is copied here. Only CRLF ends a line:
/// a bare LF is message data and "LF . LF" does not end the message (the SMTP smuggling defence).
/// </summary>
public struct DotUnstuffer
{
    private enum Position : byte
    {
        LineStart,
        InLine,
        AfterCr,
        AfterLeadingDot,
        AfterLeadingDotCr,
    }

    private Position _position;

    public DataScan Scan(ReadOnlySpan<byte> input)
    {
        var start = 0;
        var i = 0;
        var heldCr = false;
        while (i < input.Length)
        {
            switch (_position)
            {
                case Position.LineStart:
                    if (input[i] == (byte)'.')
                    {
                        if (i > start)
                            return new DataScan(start, i - start, i, heldCr, false);
                        _position = Position.AfterLeadingDot;
                        start = ++i;
                    }
                    else
                    {
                        _position = input[i] == (byte)'\r' ? Position.AfterCr : Position.InLine;
                        i++;
                    }
                    break;

                case Position.InLine:
                    var cr = input[i..].IndexOf((byte)'\r');
                    if (cr < 0)
                    {
                        i = input.Length;
                    }
                    else
                    {
                        i += cr + 1;
                        _position = Position.AfterCr;
                    }
                    break;

                case Position.AfterCr:
                    _position = input[i] switch
                    {
                        (byte)'\n' => Position.LineStart,
                        (byte)'\r' => Position.AfterCr,
                        _ => Position.InLine,
                    };
                    i++;
                    break;

                case Position.AfterLeadingDot:
                    if (input[i] == (byte)'\r')
                    {
                        // Maybe the end: hold the CR back until the next byte says.
                        _position = Position.AfterLeadingDotCr;
                        start = ++i;
                    }
                    else
                    {
                        _position = Position.InLine;
                        i++;
                    }
                    break;

                case Position.AfterLeadingDotCr:
                    if (input[i] == (byte)'\n')
                    {
                        _position = Position.LineStart;
                        return new DataScan(start, 0, i + 1, heldCr, true);
                    }
                    // ".\r" then something else: an ordinary line after all, the CR is data.
                    if (i > 0)
                        start = i - 1;
                    else
                        heldCr = true;
                    _position = Position.AfterCr;
                    break;
            }
        }
        return new DataScan(start, input.Length - start, input.Length, heldCr, false);
    }
}
