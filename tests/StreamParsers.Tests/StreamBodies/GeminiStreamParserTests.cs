namespace ToolFlow.StreamParsers.Tests;

public sealed class GeminiStreamParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new GeminiStreamParser();

    private static string Chunk(string parts, string? finishReason = null) =>
        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" + parts + "]}" +
        (finishReason is null ? string.Empty : ",\"finishReason\":\"" + finishReason + "\"") + ",\"index\":0}]}";

    private static string Sse(params string[] chunks) => string.Concat(chunks.Select(c => $"data: {c}\r\n\r\n"));

    [Fact]
    public void Append_StreamedJsonArrayWithWholeCall_CompletesAtTheElementsClosingBrace()
    {
        string first = Chunk("""{"thought":true,"text":"Plan."},{"text":"Calling."},{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}""");
        string body = "[" + first + "\r\n,\r\n" + Chunk("""{"text":""}""", "STOP") + "\r\n]";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("get_weather", """{"city":"Paris"}""", (long)first.Length + 1), (call.Name, call.ArgumentsJson, call.Offset));
        Assert.Equal("Calling.", observer.Text);
        Assert.Equal("Plan.", observer.Reasoning);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_PartialArgumentsOfEveryKind_BuildTheArguments()
    {
        string body = Sse(
            Chunk("""{"functionCall":{"name":"book","willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"$.guest['full name']","stringValue":"Ada ","willContinue":true}],"willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"$.guest['full name']","stringValue":"Lovelace"},{"jsonPath":"$.nights","numberValue":3},{"jsonPath":"$.breakfast","boolValue":false},{"jsonPath":"$.note","nullValue":null},{"jsonPath":"$.rooms[1].beds","numberValue":2}],"willContinue":true}}"""),
            Chunk("""{"functionCall":{}}"""),
            Chunk("""{"text":""}""", "STOP"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(
            """{"guest":{"full name":"Ada Lovelace"},"nights":3,"breakfast":false,"note":null,"rooms":[null,{"beds":2}]}""",
            call.ArgumentsJson);
        Assert.Equal(ToolCallCompletionReason.EndMarker, call.Reason);
        Assert.True(call.IsValid);
    }

    [Fact]
    public void Append_NextCallStartsBeforeTerminator_CompletesThePreviousCall()
    {
        string body = Sse(
            Chunk("""{"functionCall":{"name":"one","willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"$.a","numberValue":1}],"willContinue":true}}"""),
            Chunk("""{"functionCall":{"name":"two","args":{}}}""", "STOP"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [("one", """{"a":1}""", ToolCallCompletionReason.NextCall), ("two", "{}", ToolCallCompletionReason.JsonClosed)],
            observer.Calls.Select(c => (c.Name, c.ArgumentsJson, c.Reason)));
    }

    [Fact]
    public void Append_MaxTokensWhileArgumentsStream_AbortsTheCall()
    {
        string body = Sse(
            Chunk("""{"functionCall":{"name":"write","willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"$.text","stringValue":"abc","willContinue":true}],"willContinue":true}}""", "MAX_TOKENS"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ProviderStreamDiagnosticCodes.ResponseStopped, ParserDiagnosticCodes.CallUnterminated], observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_StreamEndsInsideAStreamingString_AbortsTheCall()
    {
        string body = Sse(
            Chunk("""{"functionCall":{"name":"write","willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"$.text","stringValue":"abc","willContinue":true}],"willContinue":true}}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([ProviderStreamDiagnosticCodes.StreamTruncated, ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_PathThatIsNotReadable_AbortsTheCallAndIgnoresItsRest()
    {
        string body = Sse(
            Chunk("""{"functionCall":{"name":"one","willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"items[0]","stringValue":"x"}],"willContinue":true}}"""),
            Chunk("""{"functionCall":{"partialArgs":[{"jsonPath":"$.b","stringValue":"y"}],"willContinue":true}}"""),
            Chunk("""{"functionCall":{}}""", "STOP"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsInvalidJson], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_WholeArgumentsOverTheLimit_AbortsTheCall()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 10 };
        string body = Sse(Chunk("""{"functionCall":{"name":"one","args":{"text":"far too long"}}}""", "STOP"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new GeminiStreamParser(options), body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooLong], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_SecondCandidate_IsIgnoredWithOneDiagnostic()
    {
        string body = Sse("""{"candidates":[{"content":{"parts":[{"text":"A"}]},"index":0},{"content":{"parts":[{"text":"B"}]},"index":1,"finishReason":"STOP"}]}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal("A", observer.Text);
        Assert.Equal([ProviderStreamDiagnosticCodes.ChoiceIgnored, ProviderStreamDiagnosticCodes.StreamTruncated], observer.DiagnosticCodes);
    }
}
