using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class ToolCallDeltaParserTests
{
    /// <summary>A call as a provider would stream it: index, id and name on the first delta, then the arguments.</summary>
    public sealed record CallSpec(int? Index, string? Id, string Name, string Arguments);

    public static TheoryData<CallSpec[]> SplitCases { get; } = new()
    {
        new[] { new CallSpec(0, "call_1", "get_weather", """{"city": "Paris", "units": "c"}""") },
        new[]
        {
            new CallSpec(0, "a", "first", """{"a": {"b": [1, 2, {"c": [[]]}]}, "d": [true, false, null, -1.5e+3]}"""),
            new CallSpec(1, "b", "second", """{"s": "} ] { [ \" \\ \u00e9 杭州 🎉"}"""),
        },
        new[] { new CallSpec(3, "x", "late_index", """{"k": "v"}"""), new CallSpec(7, "y", "other", """ {"k": 1} """) },
        new[] { new CallSpec(null, "m1", "weather", """{"location": "San Francisco"}"""), new CallSpec(null, "m2", "time", "{}") },
        new[] { new CallSpec(0, "e", "empty", string.Empty), new CallSpec(1, "f", "full", """{"a": 1}""") },
        new[] { new CallSpec(0, "bad", "bad", """{"a": tru}"""), new CallSpec(1, "arr", "arr", "[1, {\"a\": 2}]") },
        new[] { new CallSpec(0, "u", "unclosed", """{"a": [1, 2""") },
        new[] { new CallSpec(0, "t", "trailing", """{"a": 1} extra""") },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Append_EverySplitOfArguments_SameEventsAsWholeFragments(CallSpec[] calls)
    {
        RecordingObserver whole = Run(Deltas(calls, _ => []));
        IReadOnlyList<string> expected = whole.Normalized();
        Assert.NotEmpty(expected);

        foreach (List<ToolCallDelta> deltas in Splits(calls))
        {
            RecordingObserver split = Run(deltas);
            IReadOnlyList<string> actual = split.Normalized();
            if (!expected.SequenceEqual(actual))
            {
                Assert.Fail($"Deltas [{string.Join(", ", deltas.Select(d => d.ArgumentsFragment?.Length))}] differ.\nExpected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", actual)}");
            }

            AssertCompletedInClosingDelta(split, deltas);
        }
    }

    [Fact]
    public void Append_RandomArgumentsRandomlyFragmented_SameEventsAsWholeFragments()
    {
        string[] values = ["1", "-2.5e3", "true", "null", "\"s\"", "\"} ]\"", "\"\\\"\"", "{}", "[1, {\"a\": [2]}]"];
        string[] noise = ["{", "}", "]", "\"", "\\", ",", "x", " "];
        var random = new Random(7);
        for (int n = 0; n < 200; n++)
        {
            var calls = new CallSpec[random.Next(1, 4)];
            for (int k = 0; k < calls.Length; k++)
            {
                string arguments = random.Next(5) == 0
                    ? string.Empty
                    : "{\"a\": " + values[random.Next(values.Length)] + ", \"b\": " + values[random.Next(values.Length)] + "}";
                if (arguments.Length > 0 && random.Next(3) == 0)
                {
                    arguments = random.Next(2) == 0
                        ? arguments[..random.Next(arguments.Length)]
                        : arguments.Insert(random.Next(arguments.Length), noise[random.Next(noise.Length)]);
                }

                calls[k] = new CallSpec(random.Next(2) == 0 ? k : null, "id" + k, "f" + k, arguments);
            }

            IReadOnlyList<string> expected = Run(Deltas(calls, _ => [])).Normalized();
            for (int attempt = 0; attempt < 20; attempt++)
            {
                List<ToolCallDelta> deltas = Deltas(calls, k => RandomCuts(random, calls[k].Arguments.Length));
                RecordingObserver split = Run(deltas);

                Assert.Equal(expected, split.Normalized());
                AssertCompletedInClosingDelta(split, deltas);
            }
        }
    }

    private static int[] RandomCuts(Random random, int length) =>
        Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(length + 1)).Order().ToArray();

    [Fact]
    public void Append_FragmentClosesObject_CompletesInThatAppend()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "call_1", "get_weather", string.Empty), observer);
        parser.Append(new ToolCallDelta(0, null, null, """{"city": "Par"""), observer);
        Assert.Empty(observer.Calls);

        parser.Append(new ToolCallDelta(0, null, null, """is"}"""), observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal((0, "call_1", "get_weather"), (call.Index, call.Id, call.Name));
        Assert.Equal("""{"city": "Paris"}""", call.ArgumentsJson);
        Assert.Equal("Paris", call.Arguments!.Value.GetProperty("city").GetString());
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);
        Assert.Equal(17, call.Offset);
        Assert.Equal(17, parser.Position);
        Assert.Equal("""{"city": "Paris"}""", observer.ArgumentsOf(0));
    }

    [Fact]
    public void Append_OffsetsCountArgumentsAcrossCalls()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", """{"x": 1}"""), observer);
        parser.Append(new ToolCallDelta(1, "b", "g", """{"y": 2}  """), observer);

        Assert.Equal([8L, 16L], observer.Calls.Select(c => c.Offset));
        Assert.Equal(18, parser.Position);
    }

    [Fact]
    public void Append_ProviderIndexNotFromZero_MappedToOrderOfAppearance()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(5, "a", "first", "{"), observer);
        parser.Append(new ToolCallDelta(2, "b", "second", "{}"), observer);
        parser.Append(new ToolCallDelta(5, null, null, "}"), observer);

        Assert.Equal([(0, (string?)"a", "first"), (1, "b", "second")], observer.Started);
        Assert.Equal([1, 0], observer.Calls.Select(c => c.Index));
        Assert.Equal(["second", "first"], observer.Calls.Select(c => c.Name));
    }

    [Fact]
    public void Append_NoIndex_ContinuesLatestCallUntilNewId()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(null, "m1", "weather", """{"loc"""), observer);
        parser.Append(new ToolCallDelta(null, null, string.Empty, "\": 1}"), observer);
        parser.Append(new ToolCallDelta(null, "m2", "time", "{}"), observer);

        Assert.Equal(["weather", "time"], observer.Calls.Select(c => c.Name));
        Assert.Equal(["m1", "m2"], observer.Calls.Select(c => c.Id));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_SameIndexWithOtherId_StartsNewCall()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", "{}"), observer);
        parser.Append(new ToolCallDelta(0, "b", "g", "{}"), observer);

        Assert.Equal([(0, "f"), (1, "g")], observer.Calls.Select(c => (c.Index, c.Name)));
    }

    [Fact]
    public void Append_RepeatedEmptyName_Ignored()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "id", "webSearchTool", string.Empty), observer);
        parser.Append(new ToolCallDelta(0, null, string.Empty, """{"query": "x"}"""), observer);

        Assert.Equal("webSearchTool", Assert.Single(observer.Calls).Name);
        Assert.Single(observer.Started);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_DifferentLaterName_KeepsFirstAndReportsDiagnostic()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "id", "first", "{"), observer);
        parser.Append(new ToolCallDelta(0, null, "second", "}"), observer);

        Assert.Equal("first", Assert.Single(observer.Calls).Name);
        Assert.Equal([ParserDiagnosticCodes.CallNameConflict], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ArgumentsBeforeName_HeldUntilNameThenCompleted()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "id", null, """{"a": 1}"""), observer);
        Assert.Empty(observer.Events);

        parser.Append(new ToolCallDelta(0, null, "late", null), observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("late", 8L, ToolCallCompletionReason.JsonClosed), (call.Name, call.Offset, call.Reason));
        Assert.Equal("""{"a": 1}""", observer.ArgumentsOf(0));
        Assert.Equal(
            [ParserEventKind.Started, ParserEventKind.ArgumentsDelta, ParserEventKind.Completed],
            observer.Events.Select(e => e.Kind));
    }

    [Fact]
    public void Append_EmptyArgumentsWithoutIndexThenNextCall_StaysOpenAndCompletesWithEmptyObjectAtComplete()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(null, "a", "no_args", string.Empty), observer);
        parser.Append(new ToolCallDelta(null, null, null, string.Empty), observer);
        parser.Append(new ToolCallDelta(null, "b", "next", "{}"), observer);

        // Its id can still reach it, so only the end of the response completes it.
        Assert.Equal(["next"], observer.Calls.Select(c => c.Name));
        parser.Complete(observer);

        ParsedToolCall call = observer.Calls[1];
        Assert.Equal(("no_args", "{}", ToolCallCompletionReason.ProviderStop, 2L), (call.Name, call.ArgumentsJson, call.Reason, call.Offset));
        Assert.Equal(JsonValueKind.Object, call.Arguments!.Value.ValueKind);
    }

    [Fact]
    public void Append_EmptyArgumentsThenNextIndex_StaysOpenAndTakesItsArgumentsLater()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "first", string.Empty), observer);
        parser.Append(new ToolCallDelta(1, "b", "second", string.Empty), observer);
        Assert.Empty(observer.Calls);

        parser.Append(new ToolCallDelta(1, null, null, """{"y": 2}"""), observer);
        parser.Append(new ToolCallDelta(0, null, null, """{"x": 1}"""), observer);

        Assert.Equal(
            [(1, """{"y": 2}""", ToolCallCompletionReason.JsonClosed, 8L), (0, """{"x": 1}""", ToolCallCompletionReason.JsonClosed, 16L)],
            observer.Calls.Select(c => (c.Index, c.ArgumentsJson, c.Reason, c.Offset)));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_EmptyArgumentsWithoutIdOrIndexThenIndexedCall_CompletedWithEmptyObjectByNextCall()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(null, null, "no_args", string.Empty), observer);
        parser.Append(new ToolCallDelta(0, "b", "next", "{"), observer);

        // No later delta can reach the first call: it has neither id nor index, and it is no longer the latest.
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("no_args", "{}", ToolCallCompletionReason.NextCall), (call.Name, call.ArgumentsJson, call.Reason));
    }

    [Fact]
    public void Append_EveryCallAtIndexZeroInterleavedById_EachRoutedByItsId()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "first", string.Empty), observer);
        parser.Append(new ToolCallDelta(0, "b", "second", """{"y": """), observer);
        parser.Append(new ToolCallDelta(0, "a", null, """{"x": 1}"""), observer);
        parser.Append(new ToolCallDelta(0, "b", null, "2}"), observer);

        Assert.Equal(
            [(0, "a", """{"x": 1}"""), (1, "b", """{"y": 2}""")],
            observer.Calls.Select(c => (c.Index, c.Id, c.ArgumentsJson)));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_CallsWithoutIndexInterleavedById_EachRoutedByItsId()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(null, "a", "first", """{"x": """), observer);
        parser.Append(new ToolCallDelta(null, "b", "second", """{"y": 2}"""), observer);
        parser.Append(new ToolCallDelta(null, "a", null, "1}"), observer);

        Assert.Equal(
            [(1, "b", """{"y": 2}"""), (0, "a", """{"x": 1}""")],
            observer.Calls.Select(c => (c.Index, c.Id, c.ArgumentsJson)));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Complete_EmptyArguments_CompletedWithEmptyObjectByProviderStop()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        parser.Append(new ToolCallDelta(0, "a", "no_args", "  "), observer);

        parser.Complete(observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("{}", ToolCallCompletionReason.ProviderStop, 2L), (call.ArgumentsJson, call.Reason, call.Offset));
        Assert.True(call.IsValid);
    }

    [Fact]
    public void Append_InvalidJsonThatCloses_CompletedWithErrorAndDiagnostic()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", """{"a": tx, "b": "}"""), observer);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsInvalidJson], observer.DiagnosticCodes);
        Assert.Equal(7, observer.Diagnostics[0].Offset);
        Assert.Empty(observer.Calls);

        parser.Append(new ToolCallDelta(0, null, null, "\"}"), observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("""{"a": tx, "b": "}"}""", call.ArgumentsJson);
        Assert.Null(call.Arguments);
        Assert.False(call.IsValid);
        Assert.Contains("not valid JSON", call.Error, StringComparison.Ordinal);
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);
        Assert.Equal(19, call.Offset);
        Assert.Single(observer.Diagnostics);
    }

    [Fact]
    public void Append_ArrayArguments_CompletedWithNotObjectError()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", "[1, 2]"), observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Null(call.Arguments);
        Assert.NotNull(call.Error);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsNotObject], observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_TextThatIsNotJson_CompletedWithError()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        parser.Append(new ToolCallDelta(0, "a", "f", "city=Paris"), observer);

        parser.Complete(observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("city=Paris", ToolCallCompletionReason.ProviderStop), (call.ArgumentsJson, call.Reason));
        Assert.False(call.IsValid);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsInvalidJson], observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_UnclosedArguments_AbortedWithDiagnostic()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        parser.Append(new ToolCallDelta(0, "a", "make_file", """{"path": "a.txt", "content": "hel"""), observer);

        parser.Complete(observer);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
        Assert.Equal(parser.Position, observer.Diagnostics[0].Offset);
    }

    [Fact]
    public void Complete_CallWithoutName_DiagnosticNoCall()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        parser.Append(new ToolCallDelta(0, "a", null, "{}"), observer);

        parser.Complete(observer);

        Assert.Empty(observer.Started);
        Assert.Equal([ParserDiagnosticCodes.CallMissingName], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_TextAfterClose_DiagnosedOnceAndIgnored()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", """{"a": 1}  x"""), observer);
        parser.Append(new ToolCallDelta(0, null, null, "yz"), observer);
        parser.Complete(observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("""{"a": 1}""", call.ArgumentsJson);
        Assert.Equal("""{"a": 1}""", observer.ArgumentsOf(0));
        ParserDiagnostic diagnostic = Assert.Single(observer.Diagnostics);
        Assert.Equal((ParserDiagnosticCodes.ArgumentsTrailingText, 10L), (diagnostic.Code, diagnostic.Offset));
    }

    [Fact]
    public void Append_ArgumentsTooLong_AbortedAndRestIgnored()
    {
        var parser = new ToolCallDeltaParser(new ToolCallParserOptions { MaxArgumentsLength = 10 });
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", """{"a": "01"""), observer);
        parser.Append(new ToolCallDelta(0, null, null, """23456789"}"""), observer);
        parser.Append(new ToolCallDelta(0, null, null, "more"), observer);
        parser.Append(new ToolCallDelta(1, "b", "g", """{"b": 1}"""), observer);
        parser.Complete(observer);

        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooLong], observer.DiagnosticCodes);
        Assert.Equal(10, observer.Diagnostics[0].Offset);
        Assert.Equal("""{"a": "012""", observer.ArgumentsOf(0));
        Assert.Equal((1, "g"), (Assert.Single(observer.Calls).Index, observer.Calls[0].Name));
    }

    [Fact]
    public void Append_ArgumentsTooDeep_Aborted()
    {
        var parser = new ToolCallDeltaParser(new ToolCallParserOptions { MaxDepth = 2 });
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", """{"a": {"b": {"c": 1}}}"""), observer);
        parser.Append(new ToolCallDelta(1, "b", "g", """{"a": {"b": 1}}"""), observer);

        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooDeep], observer.DiagnosticCodes);
        Assert.Equal(12, observer.Diagnostics[0].Offset);
        Assert.Equal("g", Assert.Single(observer.Calls).Name);
    }

    [Fact]
    public void Append_DepthAtLimit_Accepted()
    {
        var parser = new ToolCallDeltaParser(new ToolCallParserOptions { MaxDepth = 3 });
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", """{"a": {"b": [1]}}"""), observer);

        Assert.True(Assert.Single(observer.Calls).IsValid);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_DeeperThanSixtyFourLevels_TrackedWhenAllowed()
    {
        string arguments = "{\"a\":" + new string('[', 99) + new string(']', 99) + "}";
        var parser = new ToolCallDeltaParser(new ToolCallParserOptions { MaxDepth = 100 });
        var observer = new RecordingObserver();

        parser.Append(new ToolCallDelta(0, "a", "f", arguments), observer);

        Assert.True(Assert.Single(observer.Calls).IsValid);
    }

    [Fact]
    public void Append_TooManyCalls_ExtraCallsDropped()
    {
        var parser = new ToolCallDeltaParser(new ToolCallParserOptions { MaxCallsPerResponse = 2 });
        var observer = new RecordingObserver();

        for (int k = 0; k < 4; k++)
        {
            parser.Append(new ToolCallDelta(k, "id" + k, "f" + k, "{"), observer);
            parser.Append(new ToolCallDelta(k, null, null, "}"), observer);
        }

        parser.Complete(observer);

        Assert.Equal(["f0", "f1"], observer.Calls.Select(c => c.Name));
        Assert.Equal([ParserDiagnosticCodes.TooManyCalls, ParserDiagnosticCodes.TooManyCalls], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_AfterComplete_Throws()
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        parser.Complete(observer);

        Assert.Throws<InvalidOperationException>(() => parser.Append(new ToolCallDelta(0, "a", "f", "{}"), observer));
    }

    [Theory]
    [InlineData("openai_chat_single_tool.sse.txt", "GetWeatherArgs", """{"city":"Edinburgh","country":"UK","units":"c"}""")]
    [InlineData("openai_chat_parallel_tools.sse.txt", "GetWeatherArgs|get_stock_price", """{"city":"Edinburgh","country":"GB","units":"c"}|{"ticker":"AAPL","exchange":"NASDAQ"}""")]
    [InlineData("openai_chat_strict_tool.sse.txt", "get_weather", """{"city":"San Francisco","state":"CA"}""")]
    [InlineData("openai_chat_non_strict_tool.sse.txt", "get_weather", """{"city":"New York City"}""")]
    [InlineData("openai_compat_tool_index1.sse.txt", "read_file", """{"path":"a.txt"}""")]
    [InlineData("vercel_mistral-tool-call.jsonl.txt", "weather", """{"location":"San Francisco"}""")]
    [InlineData("vercel_mistral-incremental-tool-call.jsonl.txt", "webSearchTool", """{"query":"current Berlin weather"}""")]
    [InlineData("vercel_groq-tool-call.jsonl.txt", "weather", "{}")]
    public void Append_RecordedProviderStream_CallsCompleteBeforeStreamEnds(string file, string names, string arguments)
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        List<ToolCallDelta> deltas = ReadChatCompletionDeltas(file);

        for (int k = 0; k < deltas.Count; k++)
        {
            observer.Chunk = k;
            parser.Append(deltas[k], observer);
        }

        int completedBeforeEnd = observer.Calls.Count;
        observer.Chunk = deltas.Count;
        parser.Complete(observer);

        Assert.Equal(names.Split('|'), observer.Calls.Select(c => c.Name));
        string[] expected = arguments.Split('|');
        for (int k = 0; k < expected.Length; k++)
        {
            using JsonDocument document = JsonDocument.Parse(expected[k]);
            Assert.True(JsonElement.DeepEquals(document.RootElement, observer.Calls[k].Arguments!.Value), observer.Calls[k].ArgumentsJson);
            Assert.Equal(k, observer.Calls[k].Index);
            Assert.False(string.IsNullOrEmpty(observer.Calls[k].Id));
        }

        Assert.Empty(observer.Diagnostics);
        if (expected.All(a => a != "{}"))
        {
            Assert.Equal(expected.Length, completedBeforeEnd);
        }
    }

    private static RecordingObserver Run(IReadOnlyList<ToolCallDelta> deltas)
    {
        var parser = new ToolCallDeltaParser();
        var observer = new RecordingObserver();
        for (int k = 0; k < deltas.Count; k++)
        {
            observer.Chunk = k;
            parser.Append(deltas[k], observer);
        }

        observer.Chunk = deltas.Count;
        parser.Complete(observer);
        return observer;
    }

    // The deltas of the calls in order; cut(k) gives the split points of call k's arguments.
    private static List<ToolCallDelta> Deltas(CallSpec[] calls, Func<int, int[]> cut)
    {
        var deltas = new List<ToolCallDelta>();
        for (int k = 0; k < calls.Length; k++)
        {
            CallSpec call = calls[k];
            int[] points = cut(k);
            string first = call.Arguments[..(points.Length > 0 ? points[0] : call.Arguments.Length)];
            deltas.Add(new ToolCallDelta(call.Index, call.Id, call.Name, first));
            int previous = first.Length;
            for (int p = 1; p <= points.Length; p++)
            {
                int next = p < points.Length ? points[p] : call.Arguments.Length;
                deltas.Add(new ToolCallDelta(call.Index, null, null, call.Arguments[previous..next]));
                previous = next;
            }
        }

        return deltas;
    }

    // One character per delta; each call cut at every point; each call cut at every pair of points.
    private static IEnumerable<List<ToolCallDelta>> Splits(CallSpec[] calls)
    {
        yield return Deltas(calls, k => Enumerable.Range(1, Math.Max(0, calls[k].Arguments.Length - 1)).ToArray());
        for (int target = 0; target < calls.Length; target++)
        {
            int length = calls[target].Arguments.Length;
            for (int a = 0; a <= length; a++)
            {
                int t = target;
                yield return Deltas(calls, k => k == t ? [a] : []);
                for (int b = a; b <= length; b++)
                {
                    yield return Deltas(calls, k => k == t ? [a, b] : []);
                }
            }
        }
    }

    private static void AssertCompletedInClosingDelta(RecordingObserver observer, List<ToolCallDelta> deltas)
    {
        foreach (ParserEvent e in observer.Events.Where(e => e.Kind == ParserEventKind.Completed && e.Call!.Reason == ToolCallCompletionReason.JsonClosed))
        {
            long closing = e.Call!.Offset - 1;
            long start = 0;
            int delta = 0;
            while (start + (deltas[delta].ArgumentsFragment?.Length ?? 0) <= closing)
            {
                start += deltas[delta].ArgumentsFragment?.Length ?? 0;
                delta++;
            }

            Assert.Equal(delta, e.Chunk);
        }
    }

    private static List<ToolCallDelta> ReadChatCompletionDeltas(string file)
    {
        var deltas = new List<ToolCallDelta>();
        foreach (string line in ConformanceCorpus.StreamLines(file))
        {
            string payload = line.StartsWith("data:", StringComparison.Ordinal) ? line[5..].Trim() : line.Trim();
            if (payload.Length == 0 || payload[0] != '{')
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(payload);
            if (!document.RootElement.TryGetProperty("choices", out JsonElement choices))
            {
                continue;
            }

            foreach (JsonElement choice in choices.EnumerateArray())
            {
                if (!choice.TryGetProperty("delta", out JsonElement delta) ||
                    !delta.TryGetProperty("tool_calls", out JsonElement toolCalls) ||
                    toolCalls.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (JsonElement toolCall in toolCalls.EnumerateArray())
                {
                    JsonElement function = toolCall.TryGetProperty("function", out JsonElement f) ? f : default;
                    deltas.Add(new ToolCallDelta(
                        toolCall.TryGetProperty("index", out JsonElement index) ? index.GetInt32() : null,
                        toolCall.TryGetProperty("id", out JsonElement id) ? id.GetString() : null,
                        function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out JsonElement name) ? name.GetString() : null,
                        function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out JsonElement args) ? args.GetString() : null));
                }
            }
        }

        Assert.NotEmpty(deltas);
        return deltas;
    }
}
