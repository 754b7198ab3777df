using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>
/// Cuts a byte stream into frames, fed in whatever pieces the connection delivers: a piece may hold several frames,
/// and a frame may span any number of pieces. The decoder keeps what it needs of a partial frame, so the caller keeps nothing.
/// <para>
/// Each frame costs one allocation for its body (sized from the header, at most <see cref="HpfeedsLimits.MaxFrameBytes"/>)
/// plus its strings; a payload, nonce or hash is a slice of that body, not a copy. A length over the limit is refused from
/// the length field alone, before anything is allocated.
/// </para>
/// <para>
/// After a <see cref="DecodeError"/> the decoder is done: frame boundaries are lost, so the connection is to be dropped.
/// Calling it again throws <see cref="InvalidOperationException"/>. Not thread-safe (one per connection).
/// </para>
/// </summary>
public sealed class FrameDecoder
{
    private readonly int _maxFrameBytes;
    private uint _length;
    private int _headerFilled;
    private Opcode _opcode;
    private byte[] _body = [];
    private int _bodyFilled;

    public FrameDecoder(HpfeedsLimits? limits = null)
    {
        _maxFrameBytes = (limits ?? new HpfeedsLimits()).MaxFrameBytes;
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxFrameBytes, FrameHeader.Size, nameof(limits));
    }

    /// <summary>The error that stopped the decoder, if one did.</summary>
    public DecodeError? Error { get; private set; }

    /// <summary>True when no part of a frame is held: the stream may end here cleanly.</summary>
    public bool IsBetweenFrames => _headerFilled == 0;

    /// <summary>
    /// Takes bytes from the front of <paramref name="input"/> until a frame is complete (true, <paramref name="input"/> left
    /// at the next frame), the input runs out (false, no error, all of it kept for the next call), or the bytes are not
    /// hpfeeds (false, <paramref name="error"/> set; the decoder is done).
    /// </summary>
    public bool TryDecode(ref ReadOnlySpan<byte> input, [NotNullWhen(true)] out Frame? frame, out DecodeError? error)
    {
        ThrowIfStopped();
        frame = null;
        error = null;

        while (_headerFilled < FrameHeader.Size)
        {
            if (input.IsEmpty)
                return false;
            var next = input[0];
            input = input[1..];
            _headerFilled++;
            if (_headerFilled <= 4)
            {
                _length = (_length << 8) | next;
                if (_headerFilled == 4 && CheckLength() is { } lengthError)
                    return Fail(lengthError, out error);
            }
            else
            {
                if (next > (byte)Opcode.Unsubscribe)
                    return Fail(DecodeError.UnknownOpcode, out error);
                _opcode = (Opcode)next;
                var bodyLength = (int)_length - FrameHeader.Size;
                _body = bodyLength == 0 ? [] : new byte[bodyLength];
            }
        }

        var take = Math.Min(input.Length, _body.Length - _bodyFilled);
        input[..take].CopyTo(_body.AsSpan(_bodyFilled));
        input = input[take..];
        _bodyFilled += take;
        if (_bodyFilled < _body.Length)
            return false;

        var body = _body;
        var opcode = _opcode;
        _length = 0;
        _headerFilled = 0;
        _body = [];
        _bodyFilled = 0;
        frame = FrameParser.Parse(opcode, body);
        return frame is not null || Fail(DecodeError.Malformed, out error);
    }

    /// <summary>
    /// <see cref="TryDecode(ref ReadOnlySpan{byte}, out Frame?, out DecodeError?)"/> over a multi-segment buffer, for
    /// System.IO.Pipelines readers: on false without error all of <paramref name="input"/> has been taken (advance past it).
    /// </summary>
    public bool TryDecode(ref ReadOnlySequence<byte> input, [NotNullWhen(true)] out Frame? frame, out DecodeError? error)
    {
        ThrowIfStopped();
        frame = null;
        error = null;
        long consumed = 0;
        foreach (var segment in input)
        {
            var span = segment.Span;
            var found = TryDecode(ref span, out frame, out error);
            consumed += segment.Length - span.Length;
            if (found || error is not null)
            {
                input = input.Slice(consumed);
                return found;
            }
        }
        input = input.Slice(input.End);
        return false;
    }

    private void ThrowIfStopped()
    {
        if (Error is not null)
            throw new InvalidOperationException($"The decoder stopped on {Error}; the connection is to be dropped.");
    }

    private DecodeError? CheckLength()
    {
        if (_length < FrameHeader.Size)
            return DecodeError.LengthBelowHeader;
        if (_length > (uint)_maxFrameBytes)
            return DecodeError.FrameTooLarge;
        return null;
    }

    private bool Fail(DecodeError value, out DecodeError? error)
    {
        Error = value;
        error = value;
        return false;
    }
}
