using ToolFlow.Blocks;

namespace ToolFlow.Tokenizers.Tests;

public sealed class TiktokenCounterTests
{
    public static TheoryData<string> Names => ["o200k_base", "cl100k_base"];

    [Theory]
    [MemberData(nameof(Names))]
    public void SplitTokens_PiecesCoverTheTextAndMatchTheCount(string name)
    {
        ITokenCounter counter = TiktokenCounter.FromName(name);
        const string Text = "The weather in Zürich is 12°C; {\"city\": \"東京\", \"ok\": true} 👍🏽 done.";

        IReadOnlyList<int> pieces = counter.SplitTokens(Text);

        Assert.Equal(Text.Length, pieces.Sum());
        Assert.All(pieces, p => Assert.True(p > 0));
        int at = 0;
        foreach (int p in pieces)
        {
            at += p;
            Assert.False(at < Text.Length && char.IsLowSurrogate(Text[at]), $"a piece ends inside a surrogate pair at {at}");
        }

        // Pieces only merge tokens that end inside a character, so there are at most as many as tokens.
        Assert.InRange(pieces.Count, 1, counter.CountTokens(Text));
    }

    [Fact]
    public void CountTokens_KnownCounts()
    {
        Assert.Equal(0, TiktokenCounter.O200kBase.CountTokens(string.Empty));
        Assert.Equal(2, TiktokenCounter.O200kBase.CountTokens("hello world"));
        Assert.Equal(2, TiktokenCounter.Cl100kBase.CountTokens("hello world"));
        Assert.Equal(["hello", " world"], Pieces(TiktokenCounter.O200kBase, "hello world"));
    }

    [Theory]
    [InlineData("O200K")]
    [InlineData("o200k_base")]
    [InlineData("cl100k")]
    public void FromName_KnownNames(string name) => Assert.NotNull(TiktokenCounter.FromName(name));

    [Fact]
    public void FromName_Unknown_SaysWhichAreKnown()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => TiktokenCounter.FromName("p50k"));
        Assert.Contains("o200k_base, cl100k_base", e.Message, StringComparison.Ordinal);
    }

    private static string[] Pieces(ITokenCounter counter, string text)
    {
        var result = new List<string>();
        int at = 0;
        foreach (int p in counter.SplitTokens(text))
        {
            result.Add(text.Substring(at, p));
            at += p;
        }

        return [.. result];
    }
}
