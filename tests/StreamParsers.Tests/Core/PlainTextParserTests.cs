namespace ToolFlow.StreamParsers.Tests;

public sealed class PlainTextParserTests
{
    [Fact]
    public void Append_AnyText_PassedThroughUnchanged()
    {
        const string input = """Hi <tool_call>{"name": "f", "arguments": {}}</tool_call> bye""";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new PlainTextParser(), input);

        Assert.Equal(input, observer.Text);
        Assert.Empty(observer.Calls);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_EachChunk_ReportedInItsOwnAppend()
    {
        var parser = new PlainTextParser();
        var observer = new RecordingObserver();

        observer.Chunk = 0;
        parser.Append("ab", observer);
        observer.Chunk = 1;
        parser.Append(string.Empty, observer);
        observer.Chunk = 2;
        parser.Append("c", observer);

        Assert.Equal([(0, "ab"), (2, "c")], observer.Events.Select(e => (e.Chunk, e.Text!)));
        Assert.Equal(3, parser.Position);
    }

    [Fact]
    public void Format_IsText()
    {
        var parser = new PlainTextParser();

        Assert.Equal("text", parser.Format);
        Assert.Same(ToolCallParserOptions.Default, parser.Options);
    }

    [Fact]
    public void Append_AfterComplete_Throws()
    {
        var parser = new PlainTextParser();
        var observer = new RecordingObserver();
        parser.Complete(observer);

        Assert.Throws<InvalidOperationException>(() => parser.Append("x", observer));
    }
}
