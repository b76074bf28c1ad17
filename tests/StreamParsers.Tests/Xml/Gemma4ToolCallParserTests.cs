namespace ToolFlow.StreamParsers.Tests;

public sealed class Gemma4ToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new Gemma4ToolCallParser();

    // Input, the text expected around the calls, and the calls expected ("name args" joined by " | ").
    public static TheoryData<string, string, string> SplitCases { get; } = new()
    {
        // Strings with quotes, numbers, booleans, nested objects and arrays.
        {
            "Hi <|tool_call>call:get_weather{location:<|\"|>Tokyo, \"JP\"<|\"|>,days:3,opts:{metric:true,list:[1, 2.5, <|\"|>x<|\"|>]}}<tool_call|> bye",
            "Hi  bye",
            """get_weather {"location": "Tokyo, \"JP\"", "days": 3, "opts": {"metric": true, "list": [1, 2.5, "x"]}}"""
        },

        // A bare value that is not JSON is a string; null and exponents are JSON.
        { "<|tool_call>call:f{unit:celsius,n:null,big:1.5e10}<tool_call|>", "", """f {"unit": "celsius", "n": null, "big": 15000000000.0}""" },

        // A trailing comma, an empty object, a quoted key.
        { "<|tool_call>call:f{a:1,}<tool_call|><|tool_call>call:g{}<tool_call|>", "", """f {"a": 1} | g {}""" },
        { "<|tool_call>call:f{<|\"|>my key<|\"|>:[]}<tool_call|>", "", """f {"my key": []}""" },

        // Text between calls is kept.
        { "A<|tool_call>call:f{}<tool_call|>B<|tool_call>call:g{}<tool_call|>C", "ABC", "f {} | g {}" },

        // Malformed: not call:NAME; mismatched brackets (the started call is aborted); no end marker (the call stands).
        { "<|tool_call>cal:f{}<tool_call|>", "<|tool_call>cal:f{}<tool_call|>", "" },
        { "<|tool_call>call:f{a:1]}<tool_call|> x", "<|tool_call>call:f{a:1]}<tool_call|> x", "" },
        { "<|tool_call>call:f{a:1} then", " then", """f {"a": 1}""" },

        // Near misses stay text; the input ends inside a call before its arguments.
        { "a <|tool b <tool_call|> c <|tool_call>call:f", "a <|tool b <tool_call|> c <|tool_call>call:f", "" },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Append_EverySplit_SameEventsAsWholeInput(string input, string expectedText, string expectedCalls)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(expectedText, whole.Text);
        XmlParameterCallReaderTests.AssertCalls(expectedCalls, whole);
    }

    [Fact]
    public void Append_ObjectCloses_CallCompletesAtItsBrace()
    {
        const string Call = "<|tool_call>call:f{a:{b:[1]},c:<|\"|>}<|\"|>}";
        string input = Call + "<tool_call|>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(Call.Length, call.Offset);
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);
        Assert.Equal("""{"a":{"b":[1]},"c":"}"}""", call.ArgumentsJson);
    }

    [Fact]
    public void Append_StringValue_StreamsAsJsonWhileItArrives()
    {
        var parser = new Gemma4ToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("<|tool_call>call:get_weather{location:<|\"|>New Yo", observer);
        string first = observer.ArgumentsOf(0);
        parser.Append("rk<|\"|>}", observer);

        Assert.Equal("{\"location\":\"New Yo", first);
        Assert.Equal("{\"location\":\"New York\"}", Assert.Single(observer.Calls).ArgumentsJson);
        Assert.Equal("get_weather", Assert.Single(observer.Started).Name);
    }

    [Fact]
    public void Append_TopLevelBareValue_TypedByTheSchema()
    {
        ToolCallParserOptions options = XmlParameterCallReaderTests.WithSchemas(("f", """{"type": "object", "properties": {"zip": {"type": "string"}}}"""));

        RecordingObserver observer = TextParserHarness.Run(() => new Gemma4ToolCallParser(options), "<|tool_call>call:f{zip:02139,n:7}<tool_call|>");

        XmlParameterCallReaderTests.AssertJson("""{"zip": "02139", "n": 7}""", Assert.Single(observer.Calls));
    }

    [Fact]
    public void Append_NestedDeeperThanLimit_CallAborted()
    {
        var options = new ToolCallParserOptions { MaxDepth = 2 };

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new Gemma4ToolCallParser(options), "<|tool_call>call:f{a:[[1]]}<tool_call|>ok");

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsTooDeep, observer.DiagnosticCodes);
        Assert.Equal("ok", observer.Text);
    }
}
