using System.Text;
using ToolFlow.Cli.Parse;

namespace ToolFlow.Cli.Tests.Parse;

public sealed class Utf8InputDecoderTests
{
    public static TheoryData<byte[], string, long[]> Inputs() => new()
    {
        { "ok é 😀"u8.ToArray(), "ok é 😀", [] },
        { [0x61, 0xFF, 0x62], "a\uFFFDb", [1] },
        { [0x61, 0xE2, 0x82, 0x62], "a\uFFFDb", [1] }, // a three-byte sequence cut short
        { [0xC0, 0x80, 0x61], "\uFFFD\uFFFDa", [0, 1] }, // overlong
        { [0xED, 0xA0, 0x80], "\uFFFD\uFFFD\uFFFD", [0, 1, 2] }, // a surrogate
        { [0x61, 0xF0, 0x9F, 0x98], "a\uFFFD", [1] }, // cut off by the end of input
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_EverySplitIntoTwoPiecesAndOneByteAtATime_SameCharactersAndOffsets(byte[] input, string expected, long[] offsets)
    {
        Assert.Equal(Encoding.UTF8.GetString(input), expected);
        for (int split = 0; split <= input.Length; split++)
        {
            (string text, long[] found) = Decode(input[..split], input[split..]);
            Assert.Equal(expected, text);
            Assert.Equal(offsets, found);
        }

        (string oneByOne, long[] oneByOneOffsets) = Decode([.. input.Select(b => new[] { b })]);
        Assert.Equal(expected, oneByOne);
        Assert.Equal(offsets, oneByOneOffsets);
    }

    [Fact]
    public void Decode_InvalidSequence_ReportsItsBytesInHex()
    {
        var invalid = new List<Utf8InputDecoder.Invalid>();
        char[] chars = new char[Utf8InputDecoder.MaxCharCount(8)];

        int count = new Utf8InputDecoder().Decode([0x61, 0x62, 0xE2, 0x82, 0x63], final: true, chars, invalid);

        Assert.Equal("ab\uFFFDc", new string(chars, 0, count));
        Assert.Equal([new Utf8InputDecoder.Invalid(2, 2, "E2 82")], invalid);
    }

    private static (string Text, long[] Offsets) Decode(params byte[][] pieces)
    {
        var decoder = new Utf8InputDecoder();
        var text = new StringBuilder();
        var offsets = new List<long>();
        var invalid = new List<Utf8InputDecoder.Invalid>();
        for (int i = 0; i <= pieces.Length; i++)
        {
            byte[] piece = i < pieces.Length ? pieces[i] : [];
            char[] chars = new char[Utf8InputDecoder.MaxCharCount(piece.Length)];
            invalid.Clear();
            int count = decoder.Decode(piece, final: i == pieces.Length, chars, invalid);
            foreach (Utf8InputDecoder.Invalid bad in invalid)
            {
                Assert.Equal('\uFFFD', chars[bad.CharIndex]);
                offsets.Add(bad.ByteOffset);
            }

            text.Append(chars, 0, count);
        }

        return (text.ToString(), [.. offsets]);
    }
}
