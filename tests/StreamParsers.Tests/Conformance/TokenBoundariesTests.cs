namespace ToolFlow.StreamParsers.Tests;

public sealed class TokenBoundariesTests
{
    [Fact]
    public void Splits_HermesCall_OneChunkPerRealTokenInEachTokenizer()
    {
        const string text = "Sure.<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>";

        (string Tokenizer, string[] Chunks)[] splits = [.. TokenBoundaries.Splits(text)];

        Assert.Equal(["o200k_base", "cl100k_base"], splits.Select(s => s.Tokenizer));
        Assert.All(splits, s => Assert.Equal(text, string.Concat(s.Chunks)));

        // Markers and names are cut inside, as a model streams them: the case meets its parser in many small pieces.
        Assert.All(splits, s => Assert.DoesNotContain("<tool_call>", s.Chunks));
        Assert.All(splits, s => Assert.True(s.Chunks.Length > 20, $"{s.Tokenizer}: {s.Chunks.Length} chunks"));
    }

    [Fact]
    public void Check_HermesCorpusCase_SameEventsAtRealTokenBoundaries()
    {
        // A case the tokenizers cut somewhere no other strategy cuts all at once: the hermes parser meets it the way
        // GPT-4o's tokens would bring it, and still gives the whole text's events.
        FullCase c = ConformanceCorpus.FullCases().First(x => x.Format == "hermes" && x.Calls.Count > 0 && !ConformanceTests.IsTruncatedFixture(x));
        ToolCallTextParser Create() => ToolCallFormatRegistry.Default.Create(c.Format, c.Options);

        IReadOnlyList<string> whole = TextParserHarness.Run(Create, c.Text).Normalized();
        foreach ((string _, string[] chunks) in TokenBoundaries.Splits(c.Text))
        {
            Assert.Equal(whole, TextParserHarness.Run(Create, chunks).Normalized());
        }

        Assert.Null(ConformanceTests.Check(c));
    }
}
