namespace ToolFlow.StreamParsers.Tests;

public sealed class Llama4PythonicToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new Llama4PythonicToolCallParser();

    [Theory]
    [InlineData("A <|python_start|>[f(x=1)]<|python_end|> B", "A  B")]
    [InlineData("<|python_start|>[f(x=1)]", "")]
    [InlineData("[f(x=1)]<|python_end|>", "")]
    [InlineData("<|python_start|><|python_start|>[f(x=1)]<|python_end|><|python", "<|python")]
    public void Append_PythonTokens_DroppedFromTextAtEverySplit(string input, string expectedText)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(expectedText, whole.Text);
        Assert.Equal("""{"x":1}""", Assert.Single(whole.Calls).ArgumentsJson);
    }

    [Fact]
    public void Append_NearMissToken_IsText()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "<|python_stop|> <|py <x");

        Assert.Equal("<|python_stop|> <|py <x", whole.Text);
        Assert.Empty(whole.Calls);
    }

    [Fact]
    public void Append_CallInsideTokens_CompletesAtItsParenthesisBeforeTheEndToken()
    {
        const string Input = "<|python_start|>[get_weather(city='LA')]<|python_end|>";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal(Input.IndexOf(')', StringComparison.Ordinal) + 1, Assert.Single(whole.Calls).Offset);
    }
}
