namespace ToolFlow.StreamParsers.Tests;

public sealed class Lfm2ToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new Lfm2ToolCallParser();

    [Fact]
    public void Append_PythonicBlock_CompletesAtClosingParenthesisBeforeEndMarker()
    {
        const string Input = "Let me check.<|tool_call_start|>[get_time(city=\"Paris\"), now()]<|tool_call_end|>";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal("Let me check.", whole.Text);
        Assert.Equal([Input.IndexOf(')', StringComparison.Ordinal) + 1L, Input.LastIndexOf(')') + 1L], whole.Calls.Select(c => c.Offset));
    }

    [Theory]
    [InlineData("""<|tool_call_start|>[{"name": "f", "arguments": {"a": [1, "}"]}}, {"arguments": {}, "name": "g"}]<|tool_call_end|>""")]
    [InlineData("""<|tool_call_start|>{"name": "f", "parameters": {"a": [1, "}"]}}<|tool_call_end|>""")]
    public void Append_JsonCalls_CompleteWhenArgumentsClose(string input)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        ParsedToolCall first = whole.Calls[0];
        Assert.Equal("f", first.Name);
        Assert.Equal("""{"a": [1, "}"]}""", first.ArgumentsJson);
        Assert.Equal(input.IndexOf("]}", StringComparison.Ordinal) + 2, first.Offset);
        Assert.Empty(whole.Text);
    }

    [Fact]
    public void Append_ThinkBlock_ReportedAsReasoningWithMarkersInside()
    {
        const string Input = "<think>about <|tool_call_start|>[f()]<|tool_call_end|> hmm</think>Ok<|tool_call_start|>[g()]<|tool_call_end|>";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal("about <|tool_call_start|>[f()]<|tool_call_end|> hmm", whole.Reasoning);
        Assert.Equal("Ok", whole.Text);
        Assert.Equal("g", Assert.Single(whole.Calls).Name);
    }

    [Fact]
    public void Append_ThinkAfterText_IsText()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, " x <think>y</think>");

        Assert.Equal(" x <think>y</think>", whole.Text);
        Assert.Empty(whole.Reasoning);
    }

    [Theory]
    [InlineData("I think</think>Hi<|tool_call_start|>[f()]<|tool_call_end|>", "I think", "Hi", 1)]
    [InlineData(" <think>I think</think>Hi", " I think", "Hi", 0)]
    [InlineData("  <|tool_call_start|>[f()]<|tool_call_end|> ok", "", "   ok", 1)]
    [InlineData("</think>ok", "", "ok", 0)]
    [InlineData("<thought <|tool_call_start|>[f()]<|tool_call_end|>", "<thought <|tool_call_start|>[f()]<|tool_call_end|>", "", 0)]
    [InlineData("  <|tool", "  <|tool", "", 0)]
    public void Append_ReasoningStartsOpen_TextUpToEndMarkerIsReasoning(string input, string reasoning, string text, int calls)
    {
        var options = new ToolCallParserOptions { ReasoningStartsOpen = true };

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(() => new Lfm2ToolCallParser(options), input);

        Assert.Equal(reasoning, whole.Reasoning);
        Assert.Equal(text, whole.Text);
        Assert.Equal(calls, whole.Calls.Count);
    }

    [Fact]
    public void Append_EmptyBlock_NoCallAndDiagnostic()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "<|tool_call_start|><|tool_call_end|>");

        Assert.Empty(whole.Calls);
        Assert.Equal([PythonicDiagnosticCodes.CallBlockEmpty], whole.DiagnosticCodes);
    }

    [Theory]
    [InlineData("""<|tool_call_start|>[{"name": 3}]<|tool_call_end|>""", ParserDiagnosticCodes.CallMissingName)]
    [InlineData("""<|tool_call_start|>[{"arguments": {}}]<|tool_call_end|>""", ParserDiagnosticCodes.CallMissingName)]
    [InlineData("""<|tool_call_start|>[{"name": "f", "arguments": {"a": tru}}]<|tool_call_end|>""", ParserDiagnosticCodes.CallInvalidJson)]
    [InlineData("""<|tool_call_start|>[f(x=1)] oops""", ParserDiagnosticCodes.CallEndMarkerMissing)]
    public void Append_MalformedBlock_DiagnosticAndNothingLost(string input, string code)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Contains(code, whole.DiagnosticCodes);
        if (whole.Calls.Count == 0)
        {
            Assert.Equal(input, whole.Text);
        }
    }
}
