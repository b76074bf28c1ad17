using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Testing;
using ToolFlow.Tokenizers;

namespace ToolFlow.Providers.Scripted.Tests;

/// <summary>The scripted model on a real tokenizer: one update per real token, decode time = tokens / rate.</summary>
public sealed class ScriptedTokenizerTests
{
    private const string Text = "Checking the weather in Lisbon and Porto, then the cheapest flight. Internationalization! Done.";
    private const string Arguments = """{"city": "Lisbon", "date": "2026-11-27", "limit": 123456}""";

    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    public static TheoryData<string> Tokenizers() => [.. TiktokenCounter.KnownNames];

    private ScriptedModelOptions Options(ITokenCounter? tokenizer, ScriptedToolCallShape shape = ScriptedToolCallShape.OpenAIDeltas) => new()
    {
        TimeProvider = _clock,
        TimeToFirstToken = TimeSpan.FromMilliseconds(100),
        TokensPerSecond = 50,
        CallShape = shape,
        Tokenizer = tokenizer,
    };

    private static string TextOf(ScriptedToken token) => ScriptedStreamTests.TextOf(token);

    private static IEnumerable<string> Cut(string text, IReadOnlyList<int> lengths)
    {
        int start = 0;
        foreach (int length in lengths)
        {
            yield return text.Substring(start, length);
            start += length;
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void GetStreamingResponseAsync_Tokenizer_TokenKIsTheKthRealTokenAndArrivesAtTimeToFirstTokenPlusKOverTokensPerSecond(string name)
    {
        TiktokenCounter tokenizer = TiktokenCounter.FromName(name);
        var model = new ScriptedChatClient([new ScriptedResponse().Text(Text).Call("get_weather", Arguments)], Options(tokenizer));
        var updates = new List<(TimeSpan At, ChatResponseUpdate Update)>();

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ChatResponseUpdate update in model.GetStreamingResponseAsync([new(ChatRole.User, "go")]))
            {
                updates.Add((_clock.Elapsed, update));
            }
        });

        // The text's real tokens, then the call's header (id and name), then the arguments' real tokens.
        ScriptedStream stream = Assert.Single(model.Streams);
        string[] expectedPieces = [.. Cut(Text, tokenizer.SplitTokens(Text)), string.Empty, .. Cut(Arguments, tokenizer.SplitTokens(Arguments))];
        Assert.Equal(expectedPieces, stream.Tokens.Select(TextOf));
        Assert.Equal(tokenizer.CountTokens(Text) + 1 + tokenizer.CountTokens(Arguments), stream.Tokens.Count);
        Assert.Equal(stream.Tokens.Count, stream.TokenCount);

        // 50 tokens a second is 20 ms a token, from the first token at 100 ms; one update per token, at its time.
        TimeSpan[] expected = [.. Enumerable.Range(0, stream.Tokens.Count).Select(k => TimeSpan.FromMilliseconds(100 + (20 * k)))];
        Assert.Equal(expected, stream.Tokens.Select(t => t.Offset));
        Assert.Equal(expected, updates.Select(u => u.At));
        Assert.Equal(stream.Tokens.Select(t => t.Content), updates.Select(u => u.Update.Contents[0]));
        Assert.Equal(stream.Tokens[^1].Offset, Assert.Single(stream.CallClosedOffsets));
    }

    [Fact]
    public void Render_O200kBase_TextIsCutWhereTheVocabularyCutsIt()
    {
        ScriptedStream stream = ScriptedStream.Render(new ScriptedResponse().Text("Hello, wonderful world!"), Options(TiktokenCounter.O200kBase), "c");

        // o200k_base has whole words where the approximation cut every four letters ("Hell", "o", " wond", ...).
        Assert.Equal(["Hello", ",", " wonderful", " world", "!"], stream.Tokens.Select(TextOf));
        Assert.Equal([100, 120, 140, 160, 180], stream.Tokens.Select(t => t.Offset.TotalMilliseconds));
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Render_CharacterSpreadOverSeveralByteTokens_OneUpdateTimedByItsLastToken(string name)
    {
        TiktokenCounter tokenizer = TiktokenCounter.FromName(name);
        const string text = "ok \U0001F389\U0001F9ED\u0E01\u0E02 ok";

        ScriptedStream stream = ScriptedStream.Render(new ScriptedResponse().Text(text), Options(tokenizer), "c");

        // The pieces are the tokenizer's (never half a character); the clock counts every token, joined or not.
        Assert.Equal(Cut(text, tokenizer.SplitTokens(text)), stream.Tokens.Select(TextOf));
        Assert.True(stream.TokenCount > stream.Tokens.Count, $"{stream.TokenCount} tokens in {stream.Tokens.Count} updates");
        Assert.Equal(tokenizer.CountTokens(text), stream.TokenCount);
        Assert.Equal(TimeSpan.FromMilliseconds(100 + (20 * (stream.TokenCount - 1))), stream.DecodeDuration);
        Assert.Equal(stream.Tokens.Select(t => t.Offset).Order(), stream.Tokens.Select(t => t.Offset));
    }

    [Fact]
    public void Render_TokenizerSet_MaxTokenLengthIsIgnored()
    {
        ScriptedResponse response = new ScriptedResponse().Text(Text).Call("get_weather", Arguments);
        ScriptedModelOptions one = Options(TiktokenCounter.O200kBase);
        one.MaxTokenLength = 1;
        ScriptedModelOptions seven = Options(TiktokenCounter.O200kBase);
        seven.MaxTokenLength = 7;

        Assert.Equal(ScriptedStream.Render(response, one, "c").Tokens.Select(TextOf), ScriptedStream.Render(response, seven, "c").Tokens.Select(TextOf));
    }

    [Fact]
    public void Render_HermesTextOnATokenizer_CallClosesOnTheTokenHoldingTheArgumentsBrace()
    {
        ScriptedResponse response = new ScriptedResponse().Text("Let me look. ").Call("f", """{"a": {"b": 1}}""");

        ScriptedStream stream = ScriptedStream.Render(response, Options(TiktokenCounter.O200kBase, ScriptedToolCallShape.HermesText), "c");

        string[] texts = [.. stream.Tokens.Select(TextOf)];
        string whole = "Let me look. <tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": {\"b\": 1}}}\n</tool_call>";
        Assert.Equal(whole, string.Concat(texts));
        Assert.Equal(texts, Cut(whole, TiktokenCounter.O200kBase.SplitTokens(whole)));

        // The token that closes the call is the one holding the arguments' last brace (the text's third "}" from the start).
        int argumentsEnd = whole.IndexOf("}}}", StringComparison.Ordinal) + 2;
        int closing = Assert.Single(stream.Tokens.Select((t, i) => (t, i)), x => x.t.ClosesCall == 0).i;
        int start = texts.Take(closing).Sum(t => t.Length);
        Assert.InRange(argumentsEnd, start + 1, start + texts[closing].Length);
    }

    [Theory]
    [InlineData(new[] { 3, 0, 2 }, "a piece of 0 characters")]
    [InlineData(new[] { 3, 1 }, "split 5 characters into pieces adding up to 4")]
    [InlineData(new[] { 3, 3 }, "split 5 characters into pieces adding up to 6")]
    public void Render_TokenizerBreaksItsContract_ClearError(int[] lengths, string message)
    {
        var options = Options(new FixedSplits("broken", lengths));

        var e = Assert.Throws<InvalidOperationException>(() => ScriptedStream.Render(new ScriptedResponse().Text("Hello"), options, "c"));

        Assert.Contains("'broken'", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_TokenizerDefault_IsNullAndTheCharactersCutStays()
    {
        Assert.Null(new ScriptedModelOptions().Tokenizer);
    }

    private sealed class FixedSplits(string name, int[] lengths) : ITokenCounter
    {
        public string Name => name;

        public int CountTokens(ReadOnlySpan<char> text) => lengths.Length;

        public IReadOnlyList<int> SplitTokens(string text) => lengths;
    }
}
