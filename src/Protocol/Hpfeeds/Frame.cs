namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>
/// One hpfeeds message. Frames that carry bytes compare those bytes by content, so a decoded frame equals the one that was encoded.
/// </summary>
public abstract record Frame
{
    public abstract Opcode Opcode { get; }
}

/// <summary>The broker's complaint; it closes the connection right after sending it.</summary>
public sealed record ErrorFrame(string Message) : Frame
{
    public override Opcode Opcode => Opcode.Error;
}

/// <summary>What the broker sends on connect: its name and the nonce the client's <see cref="AuthFrame"/> must hash.</summary>
public sealed record InfoFrame(string BrokerName, ReadOnlyMemory<byte> Nonce) : Frame
{
    public const int NonceLength = 4;

    public override Opcode Opcode => Opcode.Info;

    public bool Equals(InfoFrame? other) =>
        other is not null && BrokerName == other.BrokerName && Nonce.Span.SequenceEqual(other.Nonce.Span);

    public override int GetHashCode() => HashCode.Combine(BrokerName, Bytes.HashOf(Nonce.Span));
}

/// <summary>The client's answer to <see cref="InfoFrame"/>. The broker never confirms it: silence is success.</summary>
public sealed record AuthFrame(string Ident, ReadOnlyMemory<byte> Hash) : Frame
{
    public override Opcode Opcode => Opcode.Auth;

    /// <summary>The AUTH for <paramref name="info"/>'s nonce.</summary>
    public static AuthFrame For(InfoFrame info, string ident, string secret)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new AuthFrame(ident, AuthHash.Compute(info.Nonce.Span, secret));
    }

    public bool Equals(AuthFrame? other) =>
        other is not null && Ident == other.Ident && Hash.Span.SequenceEqual(other.Hash.Span);

    public override int GetHashCode() => HashCode.Combine(Ident, Bytes.HashOf(Hash.Span));
}

/// <summary>A message on a channel. The broker does not acknowledge it.</summary>
public sealed record PublishFrame(string Ident, string Channel, ReadOnlyMemory<byte> Payload) : Frame
{
    public override Opcode Opcode => Opcode.Publish;

    public bool Equals(PublishFrame? other) =>
        other is not null && Ident == other.Ident && Channel == other.Channel && Payload.Span.SequenceEqual(other.Payload.Span);

    public override int GetHashCode() => HashCode.Combine(Ident, Channel, Bytes.HashOf(Payload.Span));
}

/// <summary>Asks for every later PUBLISH on exactly <see cref="Channel"/> (no wildcards).</summary>
public sealed record SubscribeFrame(string Ident, string Channel) : Frame
{
    public override Opcode Opcode => Opcode.Subscribe;
}

public sealed record UnsubscribeFrame(string Ident, string Channel) : Frame
{
    public override Opcode Opcode => Opcode.Unsubscribe;
}

internal static class Bytes
{
    public static int HashOf(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
