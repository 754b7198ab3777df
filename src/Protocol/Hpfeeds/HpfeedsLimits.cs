namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>The decoder's limits. Each is enforced from the frame header, before any of the body is buffered.</summary>
public sealed record HpfeedsLimits
{
    /// <summary>
    /// Largest frame accepted, its 5-byte header included. Default 5 + 1,048,576: the reference broker's limit for PUBLISH
    /// and ERROR frames (INFO and AUTH are far smaller by their shape: 265 and 281 bytes at most). At least 5.
    /// A frame's body is allocated whole once its header is in, so this also bounds what one connection can make us hold.
    /// </summary>
    public int MaxFrameBytes { get; init; } = FrameHeader.Size + 1_048_576;
}
