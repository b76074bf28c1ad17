namespace ToolFlow.StreamParsers.Tests;

public sealed class Olmo3ToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new Olmo3ToolCallParser();

    [Theory]
    [InlineData("<function_calls>a(x=1)\nb(y='z')</function_calls>")]
    [InlineData("<function_calls>\n a(x=1) ,\n\n b(y='z')\n</function_calls>")]
    [InlineData("<function_calls>[a(x=1), b(y='z')]</function_calls>")]
    [InlineData("<function_calls>a(x=1)\nb(y=\"z\")")]
    public void Append_CallsOnePerLineOrListed_EveryCallAtEverySplit(string input)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(["a", "b"], whole.Calls.Select(c => c.Name));
        Assert.Equal("""{"y":"z"}""", whole.Calls[1].ArgumentsJson);
    }

    [Fact]
    public void Append_TextAroundBlock_IsTextAndBareListsAreNotCalls()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "Hi [f()] <function_calls>g()</function_calls> bye");

        Assert.Equal("Hi [f()]  bye", whole.Text);
        Assert.Equal("g", Assert.Single(whole.Calls).Name);
    }

    [Fact]
    public void Append_JsonConstants_ReadAsPythonConstants()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "<function_calls>f(a=true, b=null, c=False)</function_calls>");

        Assert.Equal("""{"a":true,"b":null,"c":false}""", Assert.Single(whole.Calls).ArgumentsJson);
    }

    [Fact]
    public void Append_EmptyBlock_DiagnosticAndNoCall()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "<function_calls>\n</function_calls>ok");

        Assert.Empty(whole.Calls);
        Assert.Equal("ok", whole.Text);
        Assert.Equal([PythonicDiagnosticCodes.CallBlockEmpty], whole.DiagnosticCodes);
    }

    [Fact]
    public void Append_GarbageInBlock_BlockSurfacedAsText()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "<function_calls>not a call</function_calls>");

        Assert.Empty(whole.Calls);
        Assert.Equal("<function_calls>not a call</function_calls>", whole.Text);
        Assert.Equal([PythonicDiagnosticCodes.CallInvalidSyntax], whole.DiagnosticCodes);
    }

    [Fact]
    public void Complete_EndMarkerMissing_CallsKeptWithDiagnostic()
    {
        RecordingObserver whole = TextParserHarness.Run(s_create, "<function_calls>f()\n");

        Assert.Equal("f", Assert.Single(whole.Calls).Name);
        Assert.Equal([ParserDiagnosticCodes.CallEndMarkerMissing], whole.DiagnosticCodes);
    }
}
