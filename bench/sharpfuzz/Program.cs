using SharpFuzz;
using SmtpCollector.Protocol.Hpfeeds;
using SmtpCollector.Protocol.Lmtp;
using SmtpCollector.Protocol.Tests.Fuzz;

// AFL++ feeds one input per run. Its first bytes choose the target and the limits, the rest is the peer's byte stream.
// Any exception is a crash for AFL: the protocol code threw, or an invariant of the property tests broke.
Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    var input = buffer.ToArray();
    if (input.Length < 6)
        return;
    if (input[0] % 2 == 0)
        Lmtp(input);
    else
        Hpfeeds(input);
});

static IEnumerable<byte[]> Pieces(byte[] stream, byte cut) => Gens.Cut(stream, cut == 0 ? [] : [cut]);

static void Lmtp(byte[] input)
{
    var limits = new LmtpLimits
    {
        MaxCommandLineBytes = 1 + input[1] * 4,
        MaxMessageBytes = (input[2] << 8) | input[3],
        MaxRecipients = 1 + input[4] % 8,
    };
    var settings = new LmtpSessionSettings("collector.test", limits, new TrapDomains(input[0] % 4 == 0 ? ["trap.example"] : null));
    var stream = input[6..];
    var run = LmtpDriver.Run(settings, Pieces(stream, input[5]));
    LmtpChecks.All(run, stream, limits);
    var whole = LmtpDriver.Run(settings, [stream]);
    if (!whole.Output.AsSpan().SequenceEqual(run.Output))
        throw new InvalidOperationException("The replies depend on how the stream was cut.");
}

static void Hpfeeds(byte[] input)
{
    var limits = new HpfeedsLimits { MaxFrameBytes = FrameHeader.Size + ((input[1] << 8) | input[2]) };
    var stream = input[6..];
    var expected = HpfeedsReference.Decode(stream, limits);
    var decoder = new FrameDecoder(limits);
    var frames = new List<Frame>();
    DecodeError? error = null;
    foreach (var piece in Pieces(stream, input[5]))
    {
        ReadOnlySpan<byte> rest = piece;
        while (decoder.TryDecode(ref rest, out var frame, out error))
            frames.Add(frame);
        if (error is not null)
            break;
    }
    if (error != expected.Error || !frames.SequenceEqual(expected.Frames)
        || (error is null && decoder.IsBetweenFrames != expected.EndsBetweenFrames))
        throw new InvalidOperationException($"Decoded {frames.Count} frames and {error}; the whole-buffer reading gives {expected.Frames.Count} and {expected.Error}.");
}
