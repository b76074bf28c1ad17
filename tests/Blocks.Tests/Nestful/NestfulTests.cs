using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolFlow.Blocks.Tests.Nestful;
using Xunit.Abstractions;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// NESTFUL (../shared/conformance/nestful, read in place) through <see cref="ToolExecutionBlock"/> on the manual
/// clock. Every v1 item runs with mock tools that return their spec's output fields: each call must complete, start
/// the instant its last dependency completed (or at its close), receive its references substituted from the right
/// upstream results, and the assembled <c>var_result</c> must hold the right values; root calls run at once. The
/// README's 6 defective items must end with an unresolved-reference failure naming the missing label, and count as
/// skipped. The v2 math samples run C# versions of the math functions and reproduce their gold answers.
/// </summary>
public sealed class NestfulTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, Lazy<SetRun>> s_runs =
        NestfulCorpus.V1Sets.ToDictionary(s => s, s => new Lazy<SetRun>(() => RunSet(s)));

    [Theory]
    [InlineData("executable", 85, 0)]
    [InlineData("glaive", 169, 4)]
    [InlineData("sgd", 46, 2)]
    public void Post_EveryV1Item_CallsCompleteOnTheirDagAndVarResultResolves(string set, int items, int defective)
    {
        SetRun run = s_runs[set].Value;
        NestfulMocks mocks = NestfulMocks.For(set);
        output.WriteLine($"NESTFUL {set}: {run.Tally} ({run.Elapsed.TotalMilliseconds:F0} ms)");
        output.WriteLine($"  mocks: {mocks.SpecTools.Count} spec tools, {mocks.DataOnlyTools.Count} more the data calls without a spec{List(mocks.DataOnlyTools)}");
        output.WriteLine($"  output fields the references read beyond the spec: {mocks.AddedFields.Count}{List(mocks.AddedFields)}");
        output.WriteLine($"  paths against the spec's type: {mocks.Reshaped.Count}{List(mocks.Reshaped)}");
        foreach (string problem in run.Problems)
        {
            output.WriteLine("  PROBLEM " + problem);
        }

        Assert.True(run.Problems.Count == 0, $"{run.Problems.Count} problem(s) in {set}:\n{string.Join("\n", run.Problems.Take(30))}");
        Assert.Equal((items, items - defective, defective), (run.Tally.Items, run.Tally.Passed, run.Tally.SkippedDefective));
        Assert.Equal(defective, run.Tally.ExpectedFailures);
    }

    [Fact]
    public void Post_AllThreeV1Sets_RunPassOrAreSkippedAsDefectiveInExactNumbers()
    {
        var total = new NestfulTally();
        var problems = new List<string>();
        foreach (string set in NestfulCorpus.V1Sets)
        {
            SetRun run = s_runs[set].Value;
            total.Add(run.Tally);
            problems.AddRange(run.Problems);
        }

        output.WriteLine($"NESTFUL v1, all three sets: {total}");
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join("\n", problems.Take(30))}");
        Assert.Equal((300, 294, 6), (total.Items, total.Passed, total.SkippedDefective));
        Assert.Equal(800, total.Calls);
        Assert.Equal(85, total.ParallelItems);
    }

    [Fact]
    public void Plan_V1Sets_DagsMatchTheReadmeStatistics()
    {
        Dictionary<string, NestfulPlan[]> plans = NestfulCorpus.V1Sets.ToDictionary(s => s, s => NestfulCorpus.Set(s).Items.Select(i => new NestfulPlan(i.Calls)).ToArray());

        NestfulPlan[] executable = plans["executable"];
        Assert.Equal(85, executable.Length);
        Assert.Equal("2:44 3:30 4:4 5:5 7:2", Histogram(executable.Select(p => p.ToolSteps.Count())));
        Assert.Equal("2:81 3:4", Histogram(executable.Select(p => p.LongestChain)));
        Assert.Equal("1:46 2:29 3:9 4:1", Histogram(executable.Select(p => p.WidestLevel)));
        Assert.Equal(10, executable.Count(p => p.Roots.Count >= 2));
        Assert.Equal(4, executable.Max(p => p.Roots.Count));
        NestfulReference[] references = [.. executable.SelectMany(p => p.Steps).SelectMany(s => s.References)];
        Assert.Equal((329, 321, 8), (references.Length, references.Count(r => r.IsWholeString), references.Count(r => !r.IsWholeString)));
        Assert.Equal(132, executable.SelectMany(p => p.Steps.Where(s => s.Call.IsResult)).SelectMany(s => s.References).Count(r => r.IsWholeString && r.Path.Length == 0));
        Assert.Equal("2:159 3:9 4:1", Histogram(plans["glaive"].Select(p => p.LongestChain)));
        Assert.Equal("2:43 3:3", Histogram(plans["sgd"].Select(p => p.LongestChain)));
        Assert.All(plans.Values.SelectMany(p => p), p => Assert.True(p.Steps[^1].Call.IsResult && p.Steps.Count(s => s.Call.IsResult) == 1));

        // The defects: var_result refers to a label no call defines (4 glaive, 2 sgd); 4 of them reuse a label.
        Assert.Equal([], Defective("executable"));
        Assert.Equal([45, 94, 103, 104], Defective("glaive"));
        Assert.Equal([18, 34], Defective("sgd"));
        Assert.All(plans.Values.SelectMany(p => p).Where(p => p.IsDefective), p => Assert.True(p.Steps.Single(s => s.Undefined.Count > 0).Call.IsResult));
        Assert.Equal(4, plans.Values.SelectMany(p => p).Count(p => p.IsDefective && p.ToolSteps.GroupBy(s => s.Call.Label).Any(g => g.Count() > 1)));

        int[] Defective(string set) => [.. plans[set].Select((p, i) => (p, i)).Where(x => x.p.IsDefective).Select(x => x.i)];
    }

    [Fact]
    public void Post_ReferenceWithoutItsLeadingDollar_IsPlainTextAndTheCallARoot()
    {
        // executable[21]: "product_id": "var1.product_id$" lacks its leading '$'. The mesh is strict, as the README's
        // grammar is: the text is not a reference, goes to the tool verbatim, and the call starts at its close.
        NestfulItem item = NestfulCorpus.Set("executable").Items[21];
        NestfulCall details = item.Calls[1];
        Assert.Equal("var1.product_id$", details.Arguments.GetProperty("product_id").GetString());
        Assert.Empty(ToolCallReferences.Find(NestfulMesh.ToToolCall(details).Arguments!, ToolReferenceSyntax.NestfulVariables));

        NestfulMocks mocks = NestfulMocks.For("executable");
        NestfulRun run = NestfulMesh.Run(item.Calls, mocks.Tools);

        ToolCallCompleted completed = Assert.Single(run.Of<ToolCallCompleted>(1));
        Assert.Equal("var1.product_id$", ((JsonElement)completed.Call.Arguments!["product_id"]!).GetString());
        Assert.Equal(NestfulMesh.CloseStepMs, run.Ms(Assert.Single(run.Of<ToolCallStarted>(1))));
        Assert.Equal(run.Ms(Assert.Single(run.Of<ToolCallCompleted>(0))), run.Ms(Assert.Single(run.Of<ToolCallStarted>(2))));
        Assert.Equal(2, new NestfulPlan(item.Calls).Roots.Count);
    }

    [Fact]
    public void Post_V2MathSamples_ReproduceTheGoldAnswers()
    {
        NestfulV2Sample[] math = [.. NestfulCorpus.V2Samples().Where(s => s.Calls.All(c => PythonMath.Functions.ContainsKey(c.Name)))];
        Assert.Equal(2, math.Length);
        int reproduced = 0;
        foreach (NestfulV2Sample sample in math)
        {
            // Labels are "$var_1"; references "$var_1.result$": the mesh reads the underscore form.
            Assert.All(sample.Calls, c => Assert.Matches("^var_[0-9]+$", c.Label));
            IReadOnlyList<ToolReference> found = [.. sample.Calls.SelectMany(c => ToolCallReferences.Find(NestfulMesh.ToToolCall(c).Arguments!, ToolReferenceSyntax.NestfulVariables))];
            Assert.Equal(
                sample.Calls.SelectMany(c => NestfulOracle.References(c.Arguments)).Select(r => (r.Label, r.Path)),
                found.Select(r => (r.Target, r.Path)));
            Assert.NotEmpty(found);

            if (RunV2(sample) is { } answer)
            {
                reproduced++;
                output.WriteLine($"v2 {sample.Id}: {sample.Calls.Count} calls, answer {answer}, gold {sample.Gold.GetRawText()}");
            }
        }

        output.WriteLine($"NESTFUL v2 math samples: {math.Length} run, {reproduced} reproduce their gold answers");
        Assert.Equal(2, reproduced);
    }

    [Fact]
    public void Post_V2CodingSample_ReproducesTheGoldAnswer()
    {
        NestfulV2Sample coding = Assert.Single(NestfulCorpus.V2Samples(), s => s.Calls.Any(c => c.Name == "count_words_from_sentences"));
        string? answer = RunV2(coding);
        output.WriteLine($"v2 {coding.Id}: answer {answer}, gold {coding.Gold.GetRawText()}");
        Assert.NotNull(answer);

        // Python's dict equality ignores order; the function keeps first-seen order, and so does the mesh.
        Assert.Equal(JsonNode.Parse(coding.Gold.GetRawText())!.ToJsonString(), answer);
    }

    [Fact]
    public void Post_IntegralFloatResult_ReachesTheNextCallAsAFloat()
    {
        // divide(4, 2) is the float 2.0, and math.isqrt(2.0) raises TypeError; isqrt of the int 6 - 2 is 2.
        NestfulCall[] calls =
        [
            V2Call(0, "divide", "var_1", """{"arg_0": 4, "arg_1": 2}"""),
            V2Call(1, "sqrt", "var_2", """{"arg_0": "$var_1.result$"}"""),
            V2Call(2, "subtract", "var_3", """{"arg_0": 6, "arg_1": 2}"""),
            V2Call(3, "sqrt", "var_4", """{"arg_0": "$var_3.result$"}"""),
        ];
        var outputs = new Dictionary<string, string> { ["divide"] = "result", ["sqrt"] = "result", ["subtract"] = "result" };

        NestfulRun run = NestfulMesh.Run(calls, clock => NestfulV2Tools.Tools(outputs, clock));

        Assert.Equal("""{"result":2.0}""", ((JsonElement)Assert.Single(run.Of<ToolCallCompleted>(0)).Result!).GetRawText());
        Assert.Equal("2.0", ((JsonElement)Assert.Single(run.Of<ToolCallStarted>(1)).Call.Arguments!["arg_0"]!).GetRawText());
        ToolCallFailed failed = Assert.Single(run.Of<ToolCallFailed>(1));
        Assert.Equal(ToolCallFailureKind.ToolException, failed.Kind);
        Assert.Contains("TypeError", failed.Message, StringComparison.Ordinal);
        Assert.Equal("""{"result":2}""", ((JsonElement)Assert.Single(run.Of<ToolCallCompleted>(3)).Result!).GetRawText());
    }

    [Fact]
    public void Post_LabelReusedBeforeTheEarlierResultArrives_EachReferenceReadsTheLatestEarlierCall()
    {
        // As upstream runs calls in order and reads labels from the results so far, "$var1.value$" in the second
        // call means the first call, although the third call takes the label var1 (at 10 ms) before the first
        // completes (at 100 ms); var_result, after both, reads the third. (glaive[94], sgd[18] and sgd[34] reuse
        // labels the same way.)
        NestfulCall[] calls =
        [
            new(0, "first", "var1", JsonElement.Parse("{}")),
            new(1, "second", "var2", JsonElement.Parse("""{"x": "$var1.value$"}""")),
            new(2, "third", "var1", JsonElement.Parse("{}")),
            new(3, NestfulCall.ResultName, null, JsonElement.Parse("""{"a": "$var2$", "b": "$var1.value$"}""")),
        ];
        var latency = new Dictionary<string, TimeSpan>
        {
            ["first"] = TimeSpan.FromMilliseconds(100),
            ["second"] = TimeSpan.FromMilliseconds(50),
            ["third"] = TimeSpan.FromMilliseconds(300),
            [NestfulCall.ResultName] = TimeSpan.Zero,
        };
        JsonElement Output(string name) => JsonElement.Parse($$"""{"value": "from {{name}}"}""");

        NestfulRun run = NestfulMesh.Run(calls, clock =>
        {
            var tools = new ToolFlow.Testing.TestTools(clock);
            return [.. ToolFlow.Testing.TestTools.ReadOnly(latency.Keys.SkipLast(1).Select(n => tools.Computing(n, latency[n], _ => Output(n)))), new ToolDescriptor(new NestfulMocks.ResultTool(), ToolEffects.ReadOnly)];
        });

        List<string> problems = NestfulMesh.Check(
            new NestfulPlan(calls),
            run,
            (call, arguments) => call.IsResult ? arguments : JsonNode.Parse(Output(call.Name).GetRawText()),
            name => latency[name]);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal("""{"a":{"value":"from second"},"b":"from third"}""", ((JsonElement)Assert.Single(run.Of<ToolCallCompleted>(3)).Result!).GetRawText());
    }

    private static SetRun RunSet(string name)
    {
        var stopwatch = Stopwatch.StartNew();
        NestfulMocks mocks = NestfulMocks.For(name);
        var tally = new NestfulTally();
        var problems = new List<string>();
        foreach (NestfulItem item in NestfulCorpus.Set(name).Items)
        {
            var plan = new NestfulPlan(item.Calls);
            NestfulRun run = NestfulMesh.Run(item.Calls, mocks.Tools);
            List<string> found = NestfulMesh.Check(
                plan,
                run,
                (call, arguments) => call.IsResult ? arguments : JsonNode.Parse(mocks.Output(call.Name, arguments).GetRawText()),
                NestfulMocks.Latency,
                tally);
            tally.Items++;
            if (found.Count > 0)
            {
                problems.AddRange(found.Select(p => $"{item}: {p}"));
            }
            else if (plan.IsDefective)
            {
                tally.SkippedDefective++;
            }
            else
            {
                tally.Passed++;
            }
        }

        return new SetRun(tally, problems, stopwatch.Elapsed);
    }

    /// <summary>
    /// Runs a v2 sample twice, in order without the mesh (the upstream scorer's way) and through the mesh, checks
    /// the mesh run like a v1 item, and returns the mesh's answer as JSON when it equals the gold answer under the
    /// scorer's rule (floats rounded to the gold's decimals), else <see langword="null"/> after reporting why.
    /// </summary>
    private string? RunV2(NestfulV2Sample sample)
    {
        JsonElement Call(NestfulCall call, JsonObject arguments) =>
            NestfulV2Tools.Invoke(call.Name, sample.Outputs[call.Name], NestfulV2Tools.Positional(arguments));

        // In order, without the mesh.
        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        JsonElement last = default;
        foreach (NestfulCall call in sample.Calls)
        {
            last = results[call.Label!] = Call(call, NestfulOracle.Substitute(call.Arguments, label => results[label]));
        }

        object? gold = PythonValues.FromJson(sample.Gold);
        object? sequential = PythonValues.FromJson(last.EnumerateObject().Single().Value);
        Assert.True(PythonValues.Equal(Rounded(sequential, gold), gold), $"{sample.Id}: in order, the functions give {PythonValues.ToJson(sequential)}, not {sample.Gold.GetRawText()}");

        // Through the mesh.
        var plan = new NestfulPlan(sample.Calls);
        NestfulRun run = NestfulMesh.Run(sample.Calls, clock => NestfulV2Tools.Tools(sample.Outputs, clock));
        List<string> problems = NestfulMesh.Check(plan, run, (call, arguments) => JsonNode.Parse(Call(call, arguments).GetRawText()), NestfulMocks.Latency);
        Assert.True(problems.Count == 0, $"{sample.Id}:\n{string.Join("\n", problems)}");
        foreach (NestfulCall call in sample.Calls)
        {
            // Positional: the tool received the keys in the order the sample writes them.
            Assert.Equal(
                call.Arguments.EnumerateObject().Select(p => p.Name),
                Assert.Single(run.Of<ToolCallCompleted>(call.Index)).Call.Arguments!.Keys);
        }

        var answerJson = (JsonElement)Assert.Single(run.Of<ToolCallCompleted>(sample.Calls.Count - 1)).Result!;
        object? answer = PythonValues.FromJson(answerJson.EnumerateObject().Single().Value);
        object? rounded = Rounded(answer, gold);
        if (!PythonValues.Equal(rounded, gold))
        {
            output.WriteLine($"v2 {sample.Id}: the mesh answered {PythonValues.ToJson(answer)} (rounded {PythonValues.ToJson(rounded)}), gold {sample.Gold.GetRawText()}");
            return null;
        }

        return PythonValues.ToJson(answer) + (ReferenceEquals(rounded, answer) || Equals(rounded, answer) ? string.Empty : $" (rounded to {PythonValues.ToJson(rounded)})");
    }

    /// <summary>The scorer's rule: when answer and gold are both floats, round the answer to the gold's decimals.</summary>
    private static object? Rounded(object? answer, object? gold) =>
        answer is double a && gold is double g ? Math.Round(a, Math.Min(PythonValues.Decimals(g), 15), MidpointRounding.ToEven) : answer;

    private static NestfulCall V2Call(int index, string name, string label, string arguments) =>
        new(index, name, label, JsonElement.Parse(arguments));

    private static string Histogram(IEnumerable<int> values) =>
        string.Join(" ", values.GroupBy(v => v).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));

    private static string List(IEnumerable<string> items) =>
        items.Any() ? ":\n    " + string.Join("\n    ", items) : string.Empty;

    private sealed record SetRun(NestfulTally Tally, List<string> Problems, TimeSpan Elapsed);
}
