using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Testing;

namespace ToolFlow.Providers.Scripted.Tests;

public sealed class ScriptedChatClientTests
{
    private const string WeatherArguments = """{"city": "Paris", "unit": "celsius"}""";
    private const string TimeArguments = """{"zone": "Europe/Rome", "format": 24}""";

    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private static IReadOnlyList<ChatMessage> Ask(string text) => [new(ChatRole.User, text)];

    private static ScriptedResponse TwoCalls() => new ScriptedResponse()
        .Text("Checking the weather in two cities. ")
        .Call("get_weather", WeatherArguments)
        .Text(" And the time, meanwhile.")
        .Call("get_time", TimeArguments)
        .Text(" Done.");

    private ScriptedModelOptions Options(ScriptedToolCallShape shape = ScriptedToolCallShape.OpenAIDeltas) => new()
    {
        TimeProvider = _clock,
        TimeToFirstToken = TimeSpan.FromMilliseconds(100),
        TokensPerSecond = 50,
        CallShape = shape,
    };

    /// <summary>Streams one response on the manual clock, recording when (virtual time) each update arrived.</summary>
    private List<(TimeSpan At, ChatResponseUpdate Update)> Stream(ScriptedChatClient model, IReadOnlyList<ChatMessage> messages)
    {
        var updates = new List<(TimeSpan, ChatResponseUpdate)>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ChatResponseUpdate update in model.GetStreamingResponseAsync(messages))
            {
                updates.Add((_clock.Elapsed, update));
            }
        });
        return updates;
    }

    private static string TextOf(ScriptedToken token) => token.Content switch
    {
        TextContent text => text.Text,
        ToolCallUpdateContent delta => delta.ArgumentsDelta ?? string.Empty,
        _ => throw new InvalidOperationException($"Unexpected content {token.Content.GetType().Name}."),
    };

    [Theory]
    [InlineData(100, 50)]
    [InlineData(0, 50)]
    [InlineData(300, 40)]
    [InlineData(250, 1000)]
    [InlineData(1, 8)]
    public void GetStreamingResponseAsync_ManualClock_TokenKArrivesAtTimeToFirstTokenPlusKOverTokensPerSecond(int ttftMs, int tokensPerSecond)
    {
        ScriptedModelOptions options = Options();
        options.TimeToFirstToken = TimeSpan.FromMilliseconds(ttftMs);
        options.TokensPerSecond = tokensPerSecond;
        var model = new ScriptedChatClient([TwoCalls()], options);

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        ScriptedStream stream = Assert.Single(model.Streams);
        Assert.True(stream.Tokens.Count > 40, "the response is cut into many tokens");

        // The formula in whole ticks (each rate divides a second into whole ticks), independent of the renderer.
        long ticksPerToken = TimeSpan.TicksPerSecond / tokensPerSecond;
        TimeSpan[] expected = [.. Enumerable.Range(0, stream.Tokens.Count).Select(k => TimeSpan.FromMilliseconds(ttftMs) + TimeSpan.FromTicks(k * ticksPerToken))];
        Assert.Equal(expected, stream.Tokens.Select(t => t.Offset));
        Assert.Equal(expected, updates.Select(u => u.At));
        Assert.Equal(expected[^1], stream.DecodeDuration);

        // One update per token, carrying that token.
        Assert.Equal(stream.Tokens.Select(t => t.Content), updates.Select(u => u.Update.Contents[0]));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(3)]
    [InlineData(7)]
    public void GetStreamingResponseAsync_RateNotAWholeNumberOfMilliseconds_EachTokenWithinHalfAMillisecondOfTheFormulaAndNoDrift(int tokensPerSecond)
    {
        ScriptedModelOptions options = Options();
        options.TokensPerSecond = tokensPerSecond;
        var model = new ScriptedChatClient([TwoCalls()], options);

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        // Offsets are rounded to whole milliseconds (what timers resolve) from the start, never by adding rounded
        // steps, so the error stays under half a millisecond however long the stream, and tokens arrive on time.
        ScriptedStream stream = model.Streams.Single();
        Assert.Equal(stream.Tokens.Select(t => t.Offset), updates.Select(u => u.At));
        for (int k = 0; k < updates.Count; k++)
        {
            decimal exactMs = 100 + ((decimal)k * 1000 / tokensPerSecond);
            decimal actualMs = (decimal)updates[k].At.Ticks / TimeSpan.TicksPerMillisecond;
            Assert.True(Math.Abs(actualMs - exactMs) <= 0.5m, $"token {k} at {actualMs} ms, the formula gives {exactMs} ms");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public void GetStreamingResponseAsync_AnyText_TokensAreAFewCharacters(int maxTokenLength)
    {
        ScriptedModelOptions options = Options();
        options.MaxTokenLength = maxTokenLength;
        ScriptedResponse response = new ScriptedResponse()
            .Text("Internationalization   of 1234567 items,\n\tthen\u00a0more: done! Caf\u00e9 \U0001F389 ok.")
            .Call("lookup", """{"query": "extraordinarily long words", "limit": 123456}""");
        var model = new ScriptedChatClient([response], options);

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        string[] pieces = [.. model.Streams.Single().Tokens.Select(TextOf).Where(p => p.Length > 0)];
        Assert.All(pieces, piece => AssertTokenShape(piece, maxTokenLength));
        Assert.Contains("\U0001F389", pieces.Select(p => p.Trim()));
        Assert.Equal(model.Streams.Single().Tokens.Count, updates.Count);

        static void AssertTokenShape(string piece, int max)
        {
            string rest = piece.TrimStart();
            bool word = rest.Length is > 0 && rest.Length <= max && rest.All(char.IsLetterOrDigit);
            bool mark = rest.Length == 1 && !char.IsLetterOrDigit(rest[0]) && !char.IsWhiteSpace(rest[0]);
            bool surrogatePair = rest.Length == 2 && char.IsSurrogatePair(rest[0], rest[1]);
            bool trailingSpace = rest.Length == 0;
            Assert.True(word || mark || surrogatePair || trailingSpace, $"'{piece}' is not leading white space plus at most {max} letters or one mark");
        }
    }

    [Fact]
    public void GetStreamingResponseAsync_OpenAIDeltas_EachCallIsIdAndNameThenManyArgumentFragments()
    {
        var model = new ScriptedChatClient([TwoCalls()], Options(ScriptedToolCallShape.OpenAIDeltas));

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        ToolCallUpdateContent[] deltas = [.. updates.SelectMany(u => u.Update.Contents.OfType<ToolCallUpdateContent>())];
        (string Name, string Arguments)[] calls = [("get_weather", WeatherArguments), ("get_time", TimeArguments)];
        for (int i = 0; i < calls.Length; i++)
        {
            ToolCallUpdateContent[] ofCall = [.. deltas.Where(d => d.Index == i)];
            Assert.Equal($"call_t1_{i}", ofCall[0].CallId);
            Assert.Equal(calls[i].Name, ofCall[0].Name);
            Assert.True(string.IsNullOrEmpty(ofCall[0].ArgumentsDelta), "the first fragment carries only the id and name");

            ToolCallUpdateContent[] fragments = ofCall[1..];
            Assert.All(fragments, f => Assert.Null(f.CallId));
            Assert.All(fragments, f => Assert.Null(f.Name));
            Assert.All(fragments, f => Assert.False(string.IsNullOrEmpty(f.ArgumentsDelta)));
            Assert.Equal(calls[i].Arguments, string.Concat(fragments.Select(f => f.ArgumentsDelta)));
            Assert.True(fragments.Length >= 10, $"call {i} is split across many chunks, not {fragments.Length}");
        }

        // The fragments of a call are contiguous, each call's after the text before it.
        Assert.Equal(deltas.Length, deltas.Count(d => d.Index is 0 or 1));
        Assert.Equal(
            "Checking the weather in two cities.  And the time, meanwhile. Done.",
            string.Concat(updates.SelectMany(u => u.Update.Contents.OfType<TextContent>()).Select(t => t.Text)));
        int firstTimeDelta = updates.FindIndex(u => u.Update.Contents.OfType<ToolCallUpdateContent>().Any(d => d.Index == 1));
        int lastWeatherDelta = updates.FindLastIndex(u => u.Update.Contents.OfType<ToolCallUpdateContent>().Any(d => d.Index == 0));
        int meanwhile = updates.FindIndex(u => u.Update.Text == " mean");
        Assert.True(lastWeatherDelta < meanwhile && meanwhile < firstTimeDelta, "calls and text keep the script's order");
    }

    [Fact]
    public void GetStreamingResponseAsync_OpenAIDeltasThenWholeCalls_TheDeltaStreamThenEachCallWholeUnderItsIdAtTheLastTokensInstant()
    {
        var deltasOnly = new ScriptedChatClient([TwoCalls()], Options(ScriptedToolCallShape.OpenAIDeltas));
        var model = new ScriptedChatClient([TwoCalls()], Options(ScriptedToolCallShape.OpenAIDeltasThenWholeCalls));
        List<(TimeSpan At, ChatResponseUpdate Update)> reference = Stream(deltasOnly, Ask("go"));

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        // Token for token the stream of OpenAIDeltas, each update carrying its token as the raw representation.
        ScriptedStream stream = model.Streams.Single();
        Assert.Equal(stream.Tokens.Count + 1, updates.Count);
        TimeSpan start = updates[0].At - stream.Tokens[0].Offset;
        Assert.Equal(reference.Select(u => u.At - reference[0].At), updates.SkipLast(1).Select(u => u.At - updates[0].At));
        Assert.Equal(stream.Tokens.Select(t => t.Content), updates.SkipLast(1).Select(u => u.Update.Contents[0]));
        Assert.Equal(stream.Tokens, updates.SkipLast(1).Select(u => u.Update.RawRepresentation));
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.Update.FinishReason));

        // Then, at the last token's instant, one update with each call whole, under the id its fragments gave it.
        (TimeSpan at, ChatResponseUpdate last) = updates[^1];
        Assert.Equal(stream.DecodeDuration, at - start);
        FunctionCallContent[] calls = [.. last.Contents.OfType<FunctionCallContent>()];
        Assert.Equal(["call_t1_0", "call_t1_1"], calls.Select(c => c.CallId));
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
        Assert.Equal("Paris", calls[0].Arguments!["city"]?.ToString());
        Assert.Equal("24", calls[1].Arguments!["format"]?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, last.FinishReason);
        Assert.Equal(stream.Tokens.Count, Assert.Single(last.Contents.OfType<UsageContent>()).Details.OutputTokenCount);
        Assert.Equal("scripted-1", last.ResponseId);
        Assert.Equal("scripted-1", last.MessageId);
    }

    [Fact]
    public void GetStreamingResponseAsync_OpenAIDeltasThenWholeCallsWithoutCalls_NoExtraUpdate()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Text("Just an answer.")], Options(ScriptedToolCallShape.OpenAIDeltasThenWholeCalls));

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        Assert.Equal(model.Streams.Single().Tokens.Count, updates.Count);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].Update.FinishReason);
        Assert.Empty(updates.SelectMany(u => u.Update.Contents.OfType<FunctionCallContent>()));
    }

    [Fact]
    public void GetStreamingResponseAsync_UnderFunctionInvokingChatClient_EachCallRunsOnceAndTheNextTurnIsTurnTwo()
    {
        var seen = new List<ChatMessage[]>();
        var model = new ScriptedChatClient(
            messages =>
            {
                seen.Add([.. messages]);
                return ScriptedChatClient.TurnOf(messages) == 1 ? TwoCalls() : new ScriptedResponse().Text("Sunny, and 14:00.");
            },
            Options(ScriptedToolCallShape.OpenAIDeltasThenWholeCalls));
        var invoked = new List<string>();
        AIFunction weather = AIFunctionFactory.Create((string city, string unit) => { invoked.Add(city); return "sunny"; }, "get_weather");
        AIFunction time = AIFunctionFactory.Create((string zone, int format) => { invoked.Add(zone); return "14:00"; }, "get_time");
        using var client = new FunctionInvokingChatClient(model);
        var updates = new List<ChatResponseUpdate>();

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask("go"), new ChatOptions { Tools = [weather, time] }))
            {
                updates.Add(update);
            }
        });

        Assert.Equal(["Paris", "Europe/Rome"], invoked);
        Assert.Equal(2, seen.Count);

        // What the client sends back: the assistant's message holding both whole calls, then their results.
        ChatMessage[] second = seen[1];
        Assert.Equal(2, ScriptedChatClient.TurnOf(second));
        ChatMessage assistant = Assert.Single(second, m => m.Role == ChatRole.Assistant);
        Assert.Equal(["call_t1_0", "call_t1_1"], assistant.Contents.OfType<FunctionCallContent>().Select(c => c.CallId));
        Assert.Equal(["call_t1_0", "call_t1_1"], second.Where(m => m.Role == ChatRole.Tool).SelectMany(m => m.Contents.OfType<FunctionResultContent>()).Select(r => r.CallId));
        Assert.EndsWith("Sunny, and 14:00.", string.Concat(updates.Select(u => u.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public void GetStreamingResponseAsync_HermesText_TextIsTheResponseWithToolCallMarkup()
    {
        var model = new ScriptedChatClient([TwoCalls()], Options(ScriptedToolCallShape.HermesText));

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        Assert.All(updates, u => Assert.Empty(u.Update.Contents.OfType<ToolCallUpdateContent>()));
        string expected =
            "Checking the weather in two cities. " +
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>" +
            " And the time, meanwhile." +
            "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"Europe/Rome\", \"format\": 24}}\n</tool_call>" +
            " Done.";
        Assert.Equal(expected, string.Concat(updates.Select(u => u.Update.Text)));

        // The markup itself is cut into small tokens too.
        int markupTokens = updates.Count(u => u.Update.Text.Contains('<', StringComparison.Ordinal) || u.Update.Text.Contains('>', StringComparison.Ordinal));
        Assert.Equal(8, markupTokens);
        Assert.True(updates.Count > expected.Length / 4, "the markup is split across many chunks");
    }

    [Theory]
    [InlineData(ScriptedToolCallShape.OpenAIDeltas)]
    [InlineData(ScriptedToolCallShape.HermesText)]
    public void GetStreamingResponseAsync_EitherShape_CallClosedOffsetIsTheTokenHoldingTheArgumentsClosingBrace(ScriptedToolCallShape shape)
    {
        var model = new ScriptedChatClient([TwoCalls()], Options(shape));

        _ = Stream(model, Ask("go"));

        ScriptedStream stream = model.Streams.Single();
        int[] closing = [.. new[] { WeatherArguments, TimeArguments }.Select((arguments, call) => ClosingToken(stream, shape, call, arguments))];
        Assert.Equal(closing.Select(i => stream.Tokens[i].Offset), stream.CallClosedOffsets);
        Assert.Equal(["get_weather", "get_time"], stream.CallNames);

        // Exactly those tokens say they close a call, and which.
        Assert.Equal(
            closing.Select((token, call) => (token, (int?)call)),
            stream.Tokens.Select((t, i) => (i, t.ClosesCall)).Where(x => x.ClosesCall is not null));
        Assert.All(closing, i => Assert.EndsWith("}", TextOf(stream.Tokens[i]), StringComparison.Ordinal));
        Assert.True(stream.CallClosedOffsets[1] < stream.DecodeDuration, "the last call closes before the response ends");
    }

    /// <summary>Finds, from the tokens' text alone, the token holding the last character of a call's arguments.</summary>
    private static int ClosingToken(ScriptedStream stream, ScriptedToolCallShape shape, int call, string arguments)
    {
        if (shape == ScriptedToolCallShape.OpenAIDeltas)
        {
            int length = 0;
            for (int i = 0; i < stream.Tokens.Count; i++)
            {
                if (stream.Tokens[i].Content is ToolCallUpdateContent delta && delta.Index == call)
                {
                    length += delta.ArgumentsDelta?.Length ?? 0;
                    if (length == arguments.Length)
                    {
                        return i;
                    }
                }
            }

            throw new InvalidOperationException($"Call {call}'s arguments never completed.");
        }

        string text = string.Concat(stream.Tokens.Select(TextOf));
        int start = text.IndexOf("\"arguments\": " + arguments, StringComparison.Ordinal) + "\"arguments\": ".Length;
        int closingBrace = start + arguments.Length - 1;
        int end = 0;
        for (int i = 0; i < stream.Tokens.Count; i++)
        {
            end += TextOf(stream.Tokens[i]).Length;
            if (closingBrace < end)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Call {call}'s closing brace is past the text.");
    }

    [Theory]
    [InlineData(ScriptedToolCallShape.OpenAIDeltas, true)]
    [InlineData(ScriptedToolCallShape.HermesText, true)]
    [InlineData(ScriptedToolCallShape.OpenAIDeltas, false)]
    public void GetStreamingResponseAsync_LastUpdate_CarriesFinishReasonAndUsage(ScriptedToolCallShape shape, bool withCalls)
    {
        ScriptedResponse response = withCalls ? TwoCalls() : new ScriptedResponse().Text("Just an answer, no tools needed.");
        var model = new ScriptedChatClient([response], Options(shape));

        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        ChatResponseUpdate last = updates[^1].Update;
        Assert.Equal(withCalls ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop, last.FinishReason);
        UsageContent usage = Assert.Single(last.Contents.OfType<UsageContent>());
        Assert.Equal(updates.Count, usage.Details.OutputTokenCount);
        Assert.Equal(updates.Count, usage.Details.TotalTokenCount);
        Assert.Equal(model.Streams.Single().DecodeDuration, updates[^1].At);

        // Only the last update ends the response.
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.Update.FinishReason));
        Assert.All(updates.SkipLast(1), u => Assert.Empty(u.Update.Contents.OfType<UsageContent>()));
        Assert.All(updates, u => Assert.Equal("scripted-1", u.Update.ResponseId));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Update.Role));
    }

    [Fact]
    public void GetStreamingResponseAsync_ScriptFunction_ReceivesTheConversationAndALaterTurnReadsEarlierResults()
    {
        var seen = new List<ChatMessage[]>();
        var model = new ScriptedChatClient(
            messages =>
            {
                seen.Add([.. messages]);
                if (ScriptedChatClient.TurnOf(messages) == 1)
                {
                    return new ScriptedResponse().Call("get_weather", """{"city": "Paris"}""");
                }

                FunctionResultContent result = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
                return new ScriptedResponse().Text($"It is {result.Result} in Paris.");
            },
            Options());
        IReadOnlyList<ChatMessage> first = Ask("Weather in Paris?");

        List<(TimeSpan At, ChatResponseUpdate Update)> turn1 = Stream(model, first);
        var call = new FunctionCallContent("call_t1_0", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" });
        ChatMessage[] second =
        [
            .. first,
            new(ChatRole.Assistant, [call]),
            new(ChatRole.Tool, [new FunctionResultContent("call_t1_0", "18 °C and sunny")]),
        ];
        List<(TimeSpan At, ChatResponseUpdate Update)> turn2 = Stream(model, second);

        Assert.Equal(2, seen.Count);
        Assert.Equal(first, seen[0]);
        Assert.Equal(second, seen[1]);
        Assert.Equal("get_weather", turn1.SelectMany(u => u.Update.Contents.OfType<ToolCallUpdateContent>()).First().Name);
        Assert.Equal("It is 18 °C and sunny in Paris.", string.Concat(turn2.Select(u => u.Update.Text)));
        Assert.All(turn2, u => Assert.Equal("scripted-2", u.Update.ResponseId));
        Assert.Equal(2, model.Streams.Count);
    }

    [Fact]
    public void GetStreamingResponseAsync_TurnBeyondTheScript_ThrowsAClearInvalidOperationException()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Text("only turn")], Options());
        ChatMessage[] secondTurn = [.. Ask("go"), new(ChatRole.Assistant, "only turn"), new(ChatRole.User, "and?")];
        InvalidOperationException? error = null;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await foreach (ChatResponseUpdate update in model.GetStreamingResponseAsync(secondTurn))
                {
                    Assert.Fail($"No update was expected, got '{update.Text}'.");
                }
            });
        });

        Assert.Equal("The script has 1 turns; turn 2 was requested.", error!.Message);
        Assert.Empty(model.Streams);
        Assert.Equal(TimeSpan.Zero, _clock.Elapsed);
    }

    [Fact]
    public async Task GetResponseAsync_TurnBeyondTheScript_ThrowsAClearInvalidOperationException()
    {
        var model = new ScriptedChatClient([], Options());

        // The script is consulted before any delay, so no clock needs to move.
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => model.GetResponseAsync(Ask("go")));

        Assert.Contains("turn 1 was requested", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetStreamingResponseAsync_CancelledBetweenTokens_ThrowsOperationCanceledExceptionAtThatInstant()
    {
        var model = new ScriptedChatClient([TwoCalls()], Options());
        var received = new List<TimeSpan>();
        TimeSpan cancelledAt = TimeSpan.MinValue;

        // The caller cancels at 175 ms, between the token at 160 ms and the one at 180 ms.
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(175), _clock);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (ChatResponseUpdate update in model.GetStreamingResponseAsync(Ask("go"), cancellationToken: cancellation.Token))
                {
                    received.Add(_clock.Elapsed);
                }
            });
            cancelledAt = _clock.Elapsed;
        });

        Assert.Equal([100, 120, 140, 160], received.Select(t => t.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(175), cancelledAt);
        Assert.Equal(0, _clock.PendingTimers);
    }

    [Fact]
    public void GetStreamingResponseAsync_CancelledByTheConsumerMidStream_ThrowsOnTheNextToken()
    {
        var model = new ScriptedChatClient([TwoCalls()], Options());
        using var cancellation = new CancellationTokenSource();
        int received = 0;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (ChatResponseUpdate update in model.GetStreamingResponseAsync(Ask("go"), cancellationToken: cancellation.Token))
                {
                    if (++received == 3)
                    {
                        await cancellation.CancelAsync();
                    }
                }
            });
        });

        Assert.Equal(3, received);
        Assert.Equal(TimeSpan.FromMilliseconds(140), _clock.Elapsed);
        Assert.Equal(0, _clock.PendingTimers);
    }

    [Fact]
    public void GetResponseAsync_AnyScript_ReturnsTextAndParsedCallsAfterTheFullDecodeTime()
    {
        var model = new ScriptedChatClient([TwoCalls()], Options());
        ChatResponse? response = null;
        TimeSpan returnedAt = TimeSpan.MinValue;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            response = await model.GetResponseAsync(Ask("go"));
            returnedAt = _clock.Elapsed;
        });

        ScriptedStream stream = model.Streams.Single();
        Assert.Equal(stream.DecodeDuration, returnedAt);
        Assert.NotNull(response);
        ChatMessage message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal("Checking the weather in two cities.  And the time, meanwhile. Done.", message.Text);

        FunctionCallContent[] calls = [.. message.Contents.OfType<FunctionCallContent>()];
        Assert.Equal(["call_t1_0", "call_t1_1"], calls.Select(c => c.CallId));
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
        Assert.All(calls, c => Assert.Null(c.Exception));
        Assert.Equal("Paris", Assert.IsType<JsonElement>(calls[0].Arguments!["city"]).GetString());
        Assert.Equal("celsius", Assert.IsType<JsonElement>(calls[0].Arguments!["unit"]).GetString());
        Assert.Equal(24, Assert.IsType<JsonElement>(calls[1].Arguments!["format"]).GetInt32());

        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(stream.Tokens.Count, response.Usage?.OutputTokenCount);
        Assert.Equal("scripted-1", response.ResponseId);
    }

    [Fact]
    public void GetResponseAsync_TextOnly_StopsWithTheWholeText()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Text("Hi all.")], Options());
        ChatResponse? response = null;

        VirtualTime.Run(_clock, _scheduler, async () => response = await model.GetResponseAsync(Ask("hi")));

        Assert.Equal("Hi all.", response!.Text);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);

        // "Hi", " all", "." at 100, 120, 140 ms: the response comes with the last token.
        Assert.Equal(TimeSpan.FromMilliseconds(140), _clock.Elapsed);
    }

    [Fact]
    public void GetResponseAsync_SameScriptAsStreaming_SameCallIdsAndArguments()
    {
        var model = new ScriptedChatClient(_ => TwoCalls(), Options());
        ChatResponse? whole = null;
        VirtualTime.Run(_clock, _scheduler, async () => whole = await model.GetResponseAsync(Ask("go")));

        List<(TimeSpan At, ChatResponseUpdate Update)> streamed = Stream(model, Ask("go"));

        ToolCallUpdateContent[] starts = [.. streamed.SelectMany(u => u.Update.Contents.OfType<ToolCallUpdateContent>()).Where(d => d.Name is not null)];
        FunctionCallContent[] calls = [.. whole!.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()];
        Assert.Equal(starts.Select(s => (s.CallId, s.Name)), calls.Select(c => ((string?)c.CallId, (string?)c.Name)));
    }

    [Fact]
    public void Constructor_OptionsChangedLater_ModelKeepsItsOwnCopy()
    {
        ScriptedModelOptions options = Options();
        var model = new ScriptedChatClient([new ScriptedResponse().Text("a b c")], options);

        options.TokensPerSecond = 1;
        options.TimeToFirstToken = TimeSpan.FromHours(1);
        List<(TimeSpan At, ChatResponseUpdate Update)> updates = Stream(model, Ask("go"));

        Assert.Equal([100, 120, 140], updates.Select(u => u.At.TotalMilliseconds));
        Assert.Equal(50, model.Options.TokensPerSecond);
    }

    [Fact]
    public void GetService_OwnType_ReturnsTheModelAndNothingElse()
    {
        using var model = new ScriptedChatClient([], Options());

        Assert.Same(model, model.GetService(typeof(ScriptedChatClient)));
        Assert.Same(model, model.GetService(typeof(IChatClient)));
        Assert.Null(model.GetService(typeof(ScriptedChatClient), "key"));
        Assert.Null(model.GetService(typeof(string)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void TurnOf_Conversation_IsOneMoreThanItsAssistantMessages(int assistantMessages)
    {
        List<ChatMessage> messages = [new(ChatRole.System, "be brief")];
        for (int i = 0; i < assistantMessages; i++)
        {
            messages.Add(new(ChatRole.User, "q"));
            messages.Add(new(ChatRole.Assistant, "a"));
            messages.Add(new(ChatRole.Tool, [new FunctionResultContent($"c{i}", "r")]));
        }

        Assert.Equal(assistantMessages + 1, ScriptedChatClient.TurnOf(messages));
    }
}
