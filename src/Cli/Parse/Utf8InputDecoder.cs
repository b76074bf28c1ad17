using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace ToolFlow.Cli.Parse;

/// <summary>
/// Decodes UTF-8 bytes read in pieces into characters, without the silent replacement of a <see cref="StreamReader"/>:
/// each invalid sequence (a stray byte, a cut-off or overlong sequence, a surrogate) becomes one U+FFFD and is
/// reported with its byte offset. A sequence split across two pieces is carried over, not reported.
/// </summary>
internal sealed class Utf8InputDecoder
{
    private readonly byte[] _carry = new byte[4];
    private int _carryLength;
    private long _offset;

    /// <summary>An invalid sequence: where its U+FFFD is in the output, its byte offset in the input, and its bytes.</summary>
    public readonly record struct Invalid(int CharIndex, long ByteOffset, string Bytes);

    /// <summary>The most characters <see cref="Decode"/> writes for <paramref name="byteCount"/> bytes.</summary>
    /// <param name="byteCount">The bytes of one piece.</param>
    /// <returns>The size <c>chars</c> needs.</returns>
    public static int MaxCharCount(int byteCount) => byteCount + 4;

    /// <summary>Decodes the next piece of the input.</summary>
    /// <param name="bytes">The piece.</param>
    /// <param name="final">Whether it is the last: a sequence cut off at its end is then invalid.</param>
    /// <param name="chars">Receives the characters; at least <see cref="MaxCharCount"/> long.</param>
    /// <param name="invalid">Receives the invalid sequences, in order.</param>
    /// <returns>How many characters were written.</returns>
    public int Decode(ReadOnlySpan<byte> bytes, bool final, Span<char> chars, List<Invalid> invalid)
    {
        int written = 0;
        if (_carryLength > 0)
        {
            // Complete the carried sequence with as few bytes as it needs, then go on with the rest.
            int take = Math.Min(bytes.Length, _carry.Length - _carryLength);
            Span<byte> joined = stackalloc byte[_carry.Length];
            _carry.AsSpan(0, _carryLength).CopyTo(joined);
            bytes[..take].CopyTo(joined[_carryLength..]);
            int carried = _carryLength;
            _carryLength = 0;
            OperationStatus status = Rune.DecodeFromUtf8(joined[..(carried + take)], out Rune rune, out int consumed);
            if (status == OperationStatus.NeedMoreData && !final)
            {
                joined[..(carried + take)].CopyTo(_carry);
                _carryLength = carried + take;
                return 0;
            }

            if (status == OperationStatus.Done)
            {
                written += rune.EncodeToUtf16(chars);
            }
            else
            {
                consumed = Math.Max(consumed, 1);
                invalid.Add(new Invalid(written, _offset, Hex(joined[..consumed])));
                chars[written++] = '\uFFFD';
            }

            _offset += consumed;
            bytes = bytes[(consumed - carried)..];
        }

        while (true)
        {
            OperationStatus status = Utf8.ToUtf16(bytes, chars[written..], out int read, out int count, replaceInvalidSequences: false, isFinalBlock: final);
            written += count;
            _offset += read;
            bytes = bytes[read..];
            switch (status)
            {
                case OperationStatus.Done:
                    return written;
                case OperationStatus.NeedMoreData:
                    bytes.CopyTo(_carry);
                    _carryLength = bytes.Length;
                    return written;
                case OperationStatus.InvalidData:
                    _ = Rune.DecodeFromUtf8(bytes, out _, out int consumed);
                    consumed = Math.Max(consumed, 1);
                    invalid.Add(new Invalid(written, _offset, Hex(bytes[..consumed])));
                    chars[written++] = '\uFFFD';
                    _offset += consumed;
                    bytes = bytes[consumed..];
                    break;
                default:
                    throw new InvalidOperationException($"The character buffer is too small ({status}).");
            }
        }
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            _ = builder.Append(builder.Length == 0 ? string.Empty : " ").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
