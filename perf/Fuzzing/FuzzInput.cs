using System.Text;

namespace ToolFlow.Fuzzing;

/// <summary>
/// One fuzz input, decoded: byte 0 picks a variant of the target (a format, options), byte 1's low three bits say how
/// many chunk-size bytes follow, and the rest is the payload. The chunking is fuzzed with the payload.
/// </summary>
internal sealed class FuzzInput
{
    private readonly byte[] _sizes;

    private FuzzInput(byte selector, byte[] sizes, byte[] payload)
    {
        Selector = selector;
        _sizes = sizes;
        Payload = payload;
    }

    /// <summary>Picks the target's variant.</summary>
    public byte Selector { get; }

    /// <summary>The bytes the parser reads, as UTF-8.</summary>
    public byte[] Payload { get; }

    /// <summary>The payload decoded as UTF-8 (invalid sequences become U+FFFD, as a reader of a body would).</summary>
    public string Text => Encoding.UTF8.GetString(Payload);

    public static FuzzInput Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return new FuzzInput(data.Length == 0 ? (byte)0 : data[0], [], []);
        }

        int count = Math.Min(data[1] & 7, data.Length - 2);
        return new FuzzInput(data[0], data.Slice(2, count).ToArray(), data[(2 + count)..].ToArray());
    }

    /// <summary>The input as a seed file: variant, no chunk sizes (the whole payload in one chunk), payload.</summary>
    public static byte[] Encode(byte selector, ReadOnlySpan<byte> chunkSizes, string payload)
    {
        byte[] text = Encoding.UTF8.GetBytes(payload);
        var seed = new byte[2 + chunkSizes.Length + text.Length];
        seed[0] = selector;
        seed[1] = (byte)chunkSizes.Length;
        chunkSizes.CopyTo(seed.AsSpan(2));
        text.CopyTo(seed.AsSpan(2 + chunkSizes.Length));
        return seed;
    }

    /// <summary>
    /// Splits a length into chunk lengths, cycling through the size bytes: below 0x80 a byte means 1 to 128
    /// characters (1-character chunks included), from 0x80 up, 1 to 4,065 in steps of 32. No size bytes: one chunk.
    /// </summary>
    public IEnumerable<int> Chunks(int length)
    {
        if (_sizes.Length == 0)
        {
            yield return length;
            yield break;
        }

        int at = 0;
        for (int k = 0; at < length; k++)
        {
            byte b = _sizes[k % _sizes.Length];
            int size = b < 0x80 ? 1 + b : 1 + ((b & 0x7F) * 32);
            size = Math.Min(size, length - at);
            yield return size;
            at += size;
        }
    }
}
