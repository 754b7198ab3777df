namespace SmtpCollector.Protocol.Lmtp;

public enum LineScanKind
{
    /// <summary>No line end yet: keep the first <see cref="LineScan.Consumed"/> bytes dropped and the rest buffered, and read more.</summary>
    Incomplete,
    /// <summary>A line of <see cref="LineScan.LineLength"/> bytes (its ending not included) followed by <see cref="LineScan.Consumed"/> - length bytes of line ending.</summary>
    Line,
    /// <summary>A line longer than the limit ended; all of it was dropped.</summary>
    TooLong,
}

public readonly record struct LineScan(LineScanKind Kind, int Consumed, int LineLength = 0, bool BareLineFeed = false);

/// <summary>
/// Finds command lines in the buffered input. An over-long line is never kept and never fails the connection:
/// its bytes are dropped as they come and, once its end arrives, it is reported so the session can answer it.
/// </summary>
public struct CommandLineFramer(int maxLineBytes)
{
    private bool _discarding;

    public readonly int MaxLineBytes => maxLineBytes;

    public LineScan Scan(ReadOnlySpan<byte> buffered)
    {
        var lf = buffered.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (_discarding || buffered.Length >= maxLineBytes)
            {
                _discarding = true;
                return new LineScan(LineScanKind.Incomplete, buffered.Length);
            }
            return new LineScan(LineScanKind.Incomplete, 0);
        }

        var consumed = lf + 1;
        if (_discarding || consumed > maxLineBytes)
        {
            _discarding = false;
            return new LineScan(LineScanKind.TooLong, consumed);
        }

        var bare = lf == 0 || buffered[lf - 1] != (byte)'\r';
        return new LineScan(LineScanKind.Line, consumed, bare ? lf : lf - 1, bare);
    }
}
