using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolFlow.StreamParsers;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolCallParserBlockTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private BlockStepper<ToolPipelineEvent> Parser(Func<ToolCallParserOptions, ToolCallTextParser>? textParser = null)
    {
        var options = new ToolCallParserBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler };
        if (textParser is not null)
        {
            options.TextParserFactory = textParser;
        }

        return new BlockStepper<ToolPipelineEvent>(new ToolCallParserBlock(options), _clock, _scheduler);
    }

    private static ToolCallUpdateContent Fragment(string arguments, int index = 0) => new(index, null, null, arguments);

    private static string[] Describe(IEnumerable<ToolPipelineEvent> events) => [.. events.Select(Events.Describe)];

    [Fact]
    public void Post_ArgumentDeltas_ToolCallClosedComesOutOfTheVeryUpdateThatClosesTheArguments()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        var steps = new List<string[]>
        {
            Describe(parser.Send(new TurnStarted([]) { Turn = 1 })),
            Describe(parser.Send(Update(new TextContent("Let me check. ")))),
            Describe(parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "get_weather", string.Empty)))),
            Describe(parser.Send(Update(Fragment("{\"city\": ")))),
            Describe(parser.Send(Update(Fragment("\"Par")))),
            Describe(parser.Send(Update(Fragment("is\"")))),
            Describe(parser.Send(Update(Fragment("}")))),
            Describe(parser.Send(Update(new TextContent(" Done.")))),
            Describe(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 })),
        };

        string[][] expected =
        [
            ["turn started"],
            ["text 'Let me check. '"],
            ["detected call_a get_weather #0"],
            ["args call_a '{\"city\": '"],
            ["args call_a '\"Par'"],
            ["args call_a 'is\"'"],
            ["args call_a '}'", "closed call_a get_weather {\"city\": \"Paris\"}"],
            ["text ' Done.'"],
            ["response tool_calls calls call_a"],
        ];
        Assert.Equal(expected, steps);
    }

    [Fact]
    public void Post_CallsAnnouncedBeforeTheirArguments_EachClosesWithItsArgumentsInTheUpdateThatClosesThem()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        var steps = new List<string[]>
        {
            Describe(parser.Send(new TurnStarted([]) { Turn = 1 })),
            Describe(parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "one", string.Empty)))),
            Describe(parser.Send(Update(new ToolCallUpdateContent(1, "call_b", "two", string.Empty)))),
            Describe(parser.Send(Update(Fragment("{\"n\": ", 0)))),
            Describe(parser.Send(Update(Fragment("{\"n\": 1}", 1)))),
            Describe(parser.Send(Update(Fragment("0}", 0)))),
            Describe(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 })),
        };

        string[][] expected =
        [
            ["turn started"],
            ["detected call_a one #0"],
            ["detected call_b two #1"],
            ["args call_a '{\"n\": '"],
            ["args call_b '{\"n\": 1}'", "closed call_b two {\"n\": 1}"],
            ["args call_a '0}'", "closed call_a one {\"n\": 0}"],
            ["response tool_calls calls call_a,call_b"],
        ];
        Assert.Equal(expected, steps);
    }

    [Fact]
    public void Post_ArgumentDeltas_ResponseCompletedHoldsTheAssistantMessageAndTheParsedCall()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        var usage = new UsageDetails { OutputTokenCount = 9 };
        parser.Send(Update(new TextContent("Checking.")));
        parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "get_weather", "{\"city\"")));
        parser.Send(Update(Fragment(": \"Paris\", \"days\": 3}")));

        ResponseCompleted response = Assert.IsType<ResponseCompleted>(Assert.Single(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, usage, null) { Turn = 1 })));

        ToolCall call = Assert.Single(response.Calls);
        Assert.Equal(("call_a", "get_weather", 0, 1, """{"city": "Paris", "days": 3}""", (string?)null), (call.CallId, call.Name, call.Index, call.Turn, call.ArgumentsJson, call.ArgumentsError));
        Assert.Equal("Paris", Assert.IsType<JsonElement>(call.Arguments!["city"]).GetString());
        Assert.Equal(3, Assert.IsType<JsonElement>(call.Arguments!["days"]).GetInt32());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Same(usage, response.Usage);
        Assert.Null(response.Error);

        Assert.Equal(ChatRole.Assistant, response.Message.Role);
        Assert.Equal("Checking.", response.Message.Text);
        FunctionCallContent content = Assert.Single(response.Message.Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call_a", "get_weather"), (content.CallId, content.Name));
        Assert.Equal(["city", "days"], content.Arguments!.Keys);
    }

    [Fact]
    public void Post_WholeFunctionCallContent_DetectedAndClosedByThatUpdate()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        var arguments = new Dictionary<string, object?> { ["q"] = "cats", ["n"] = 3 };

        IReadOnlyList<ToolPipelineEvent> events = parser.Send(Update(
            new FunctionCallContent("call_x", "search", arguments),
            new FunctionCallContent(string.Empty, "now", null)));

        Assert.Equal(
            ["ToolCallDetected call_x #0", "ToolCallClosed call_x #0", "ToolCallDetected call_1_1 #1", "ToolCallClosed call_1_1 #1"],
            events.Select(e => e switch
            {
                ToolCallDetected d => $"{nameof(ToolCallDetected)} {d.CallId} #{d.Index}",
                ToolCallClosed c => $"{nameof(ToolCallClosed)} {c.Call.CallId} #{c.Call.Index}",
                _ => e.GetType().Name,
            }));
        ToolCall first = Assert.IsType<ToolCallClosed>(events[1]).Call;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"q": "cats", "n": 3}"""), JsonNode.Parse(first.ArgumentsJson)), first.ArgumentsJson);
        Assert.Equal(arguments, first.Arguments);
        Assert.NotSame(arguments, first.Arguments);
        Assert.Empty(Assert.IsType<ToolCallClosed>(events[3]).Call.Arguments!);
    }

    [Fact]
    public void Post_Reasoning_BecomesReasoningDeltaAndStaysOutOfTheAnswer()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();

        IReadOnlyList<ToolPipelineEvent> thinking = parser.Send(Update(new TextReasoningContent("The user wants weather."), new TextContent("Sunny.")));
        ResponseCompleted response = Assert.IsType<ResponseCompleted>(Assert.Single(parser.Send(new ModelStreamEnded(ChatFinishReason.Stop, null, null) { Turn = 1 })));

        Assert.Equal(["reasoning 'The user wants weather.'", "text 'Sunny.'"], Describe(thinking));
        Assert.Equal("Sunny.", response.Message.Text);
        Assert.Empty(response.Calls);
    }

    [Fact]
    public void Post_EventsItDoesNotParse_PassThroughUnchanged()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        DateTimeOffset stamped = _clock.Epoch.AddSeconds(5);
        ToolPipelineEvent[] others =
        [
            new TurnStarted([new ChatMessage(ChatRole.User, "hi")]) { Turn = 4, Timestamp = stamped },
            new DiagnosticReported("custom", "from upstream") { Turn = 4, Timestamp = stamped },
            new ToolCallClosed(Call(0, "f", "{}", turn: 4)) { Turn = 4, Timestamp = stamped },
        ];

        IReadOnlyList<ToolPipelineEvent> events = [.. others.SelectMany(parser.Send)];

        Assert.Equal(others, events);
        Assert.All(others.Zip(events), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void Post_ModelStreamError_ReportsADiagnosticAndTheResponseCarriesTheError()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        var error = new IOException("connection reset");
        parser.Send(Update(new TextContent("Partial answer")));
        parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "get_weather", "{\"city\": \"Pa")));

        IReadOnlyList<ToolPipelineEvent> end = parser.Send(new ModelStreamEnded(null, null, error) { Turn = 1 });

        // The unfinished call is abandoned but still closed, so the model is told; then the failure; then the response.
        Assert.Equal(
            ["diagnostic call-aborted", "closed call_a get_weather {\"city\": \"Pa invalid", "diagnostic arguments-unclosed", "diagnostic model-stream-failed", "response - calls call_a"],
            Describe(end));
        DiagnosticReported failure = Assert.IsType<DiagnosticReported>(end[3]);
        Assert.Contains("connection reset", failure.Message, StringComparison.Ordinal);
        ResponseCompleted response = Assert.IsType<ResponseCompleted>(end[4]);
        Assert.Same(error, response.Error);
        Assert.Equal("Partial answer", response.Message.Text);
        Assert.Null(Assert.Single(response.Calls).Arguments);
        Assert.NotNull(response.Calls[0].ArgumentsError);
    }

    [Fact]
    public void Post_ArgumentsJsonButNotAnObject_CallClosesAtOnceWithAnArgumentsError()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();

        IReadOnlyList<ToolPipelineEvent> events = parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "f", "[1, 2]")));

        ToolCall call = Assert.IsType<ToolCallClosed>(events[^1]).Call;
        Assert.Null(call.Arguments);
        Assert.StartsWith("The arguments are a JSON array, not an object", call.ArgumentsError, StringComparison.Ordinal);
        Assert.Equal("[1, 2]", call.ArgumentsJson);
    }

    [Fact]
    public void Post_ArgumentsInvalidJson_DiagnosticAtOnceAndTheCallClosesWithAnErrorByTheEnd()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();

        IReadOnlyList<ToolPipelineEvent> events = parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "f", """{"x": [1, 2}""")));
        IReadOnlyList<ToolPipelineEvent> end = parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 });

        Assert.Contains("diagnostic arguments-invalid-json", Describe(events));
        ToolCall call = Assert.IsType<ToolCallClosed>(Assert.Single([.. events, .. end], e => e is ToolCallClosed)).Call;
        Assert.Null(call.Arguments);
        Assert.False(string.IsNullOrEmpty(call.ArgumentsError));
        Assert.Equal("""{"x": [1, 2}""", call.ArgumentsJson);
        Assert.Same(call, Assert.Single(Assert.IsType<ResponseCompleted>(end[^1]).Calls));
    }

    [Fact]
    public void Post_CallsCloseOutOfOrder_ResponseListsThemInCallOrder()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();

        // Call 0 never closes its arguments; call 1 closes at once; call 0 is abandoned (and closed) at the end.
        parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "first", "{\"a\": ")));
        IReadOnlyList<ToolPipelineEvent> second = parser.Send(Update(new ToolCallUpdateContent(1, "call_b", "second", "{}")));
        IReadOnlyList<ToolPipelineEvent> end = parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 });

        Assert.Contains("closed call_b second {}", Describe(second));
        Assert.Equal(["diagnostic call-aborted", "closed call_a first {\"a\":  invalid", "diagnostic arguments-unclosed", "response tool_calls calls call_a,call_b"], Describe(end));
        ResponseCompleted response = Assert.IsType<ResponseCompleted>(end[^1]);
        Assert.Equal([0, 1], response.Calls.Select(c => c.Index));
        Assert.Equal(["call_a", "call_b"], response.Message.Contents.OfType<FunctionCallContent>().Select(c => c.CallId));
    }

    [Fact]
    public void Post_HermesTextInSmallChunks_CallClosesOnTheChunkWithTheArgumentsClosingBrace()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser(o => ToolCallFormatRegistry.Default.Create("hermes", o));
        string[] chunks = ["Sure", ". ", "<tool", "_call>", "\n{\"name\": \"", "get_", "weather", "\", \"arguments\": ", "{\"city\": ", "\"Rome\"", "}", "}\n</tool", "_call>", " Bye", "."];

        List<string[]> steps = [.. chunks.Select(c => Describe(parser.Send(Update(new TextContent(c)))))];
        string[] end = Describe(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = 1 }));

        int closing = steps.FindIndex(s => s.Any(e => e.StartsWith("closed", StringComparison.Ordinal)));
        Assert.Equal(Array.IndexOf(chunks, "}"), closing);
        Assert.Equal("closed call_1_0 get_weather {\"city\": \"Rome\"}", steps[closing].Last());
        Assert.Single(steps.SelectMany(s => s), e => e.StartsWith("closed", StringComparison.Ordinal));
        Assert.Equal(
            "Sure.  Bye.",
            string.Concat(steps.SelectMany(s => s).Where(e => e.StartsWith("text", StringComparison.Ordinal)).Select(e => e[6..^1])));
        Assert.Equal(["response tool_calls calls call_1_0"], end);
        Assert.DoesNotContain(steps.SelectMany(s => s), e => e.StartsWith("diagnostic", StringComparison.Ordinal));
    }

    [Fact]
    public void Post_SecondTurn_CallIndexesRestartAndEventsCarryTheirTurn()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        var produced = new List<ToolPipelineEvent>();
        for (int turn = 1; turn <= 2; turn++)
        {
            produced.AddRange(parser.Send(new TurnStarted([]) { Turn = turn }));
            produced.AddRange(parser.Send(new ModelUpdateReceived(new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent(string.Empty, "f", null)])) { Turn = turn }));
            produced.AddRange(parser.Send(new ModelStreamEnded(ChatFinishReason.ToolCalls, null, null) { Turn = turn }));
        }

        Assert.Equal(
            [(1, "turn started"), (1, "detected call_1_0 f #0"), (1, "closed call_1_0 f {}"), (1, "response tool_calls calls call_1_0"),
             (2, "turn started"), (2, "detected call_2_0 f #0"), (2, "closed call_2_0 f {}"), (2, "response tool_calls calls call_2_0")],
            produced.Select(e => (e.Turn, Events.Describe(e))));
        Assert.All(produced.OfType<ToolCallClosed>(), c => Assert.Equal(c.Turn, c.Call.Turn));
    }

    [Fact]
    public void Post_OnTheManualClock_EventsAreStampedWhenTheyAreParsed()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();

        IReadOnlyList<ToolPipelineEvent> detected = parser.Send(Update(new ToolCallUpdateContent(0, "call_a", "f", "{")));
        _clock.Advance(TimeSpan.FromMilliseconds(250));
        IReadOnlyList<ToolPipelineEvent> closed = parser.Send(Update(Fragment("}")));

        Assert.Equal([(0d, "detected call_a f #0"), (0d, "args call_a '{'")], detected.Timeline(_clock));
        Assert.Equal([(250d, "args call_a '}'"), (250d, "closed call_a f {}")], closed.Timeline(_clock));
    }

    [Fact]
    public void Complete_AfterAResponse_CompletesTheOutputWithNothingLeft()
    {
        BlockStepper<ToolPipelineEvent> parser = Parser();
        parser.Send(Update(new TextContent("hi")));
        parser.Send(new ModelStreamEnded(ChatFinishReason.Stop, null, null) { Turn = 1 });

        Assert.Empty(parser.Complete());
    }

    [Fact]
    public void Constructor_OptionsChangedLater_BlockKeepsItsOwnCopy()
    {
        var options = new ToolCallParserBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, TextParserFactory = o => ToolCallFormatRegistry.Default.Create("hermes", o) };
        var parser = new BlockStepper<ToolPipelineEvent>(new ToolCallParserBlock(options), _clock, _scheduler);
        options.TextParserFactory = o => new PlainTextParser(o);

        IReadOnlyList<ToolPipelineEvent> events = parser.Send(Update(new TextContent("<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>")));

        Assert.Contains(events, e => e is ToolCallClosed);
    }
}
