using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>What one sequence did in the mesh: every event, read on the run's own manual clock.</summary>
internal sealed class NestfulRun(ManualTimeProvider clock, IReadOnlyList<ToolPipelineEvent> events)
{
    public IReadOnlyList<ToolPipelineEvent> Events { get; } = events;

    public double Ms(ToolPipelineEvent e) => (e.Timestamp - clock.Epoch).TotalMilliseconds;

    public List<T> Of<T>(int index)
        where T : ToolPipelineEvent =>
        [.. Events.OfType<T>().Where(e => CallOf(e)?.Index == index)];

    private static ToolCall? CallOf(ToolPipelineEvent e) => e switch
    {
        ToolCallStarted s => s.Call,
        ToolCallCompleted c => c.Call,
        ToolCallFailed f => f.Call,
        _ => null,
    };
}

/// <summary>Runs NESTFUL sequences through a <see cref="ToolExecutionBlock"/> on the manual clock and checks what happened.</summary>
internal static class NestfulMesh
{
    /// <summary>Call i closes at i × this many milliseconds; the response ends one step after the last call.</summary>
    public const double CloseStepMs = 5;

    public static ToolCall ToToolCall(NestfulCall call) => new(
        $"call_1_{call.Index}",
        call.Name,
        call.Index,
        1,
        call.Arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone()),
        call.Arguments.GetRawText(),
        Label: call.Label);

    public static NestfulRun Run(IReadOnlyList<NestfulCall> calls, Func<TimeProvider, IEnumerable<ToolDescriptor>> tools)
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var block = new ToolExecutionBlock(tools(clock), new ToolExecutionBlockOptions
        {
            TimeProvider = clock,
            TaskScheduler = scheduler,
            ReferenceSyntax = ToolReferenceSyntax.NestfulVariables,
            MaxConcurrency = DataflowBlockOptions.Unbounded,
        });
        ToolCall[] toolCalls = [.. calls.Select(ToToolCall)];
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(clock, scheduler, async () =>
        {
            var sink = new ActionBlock<ToolPipelineEvent>(events.Add, new ExecutionDataflowBlockOptions { TaskScheduler = scheduler });
            block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            foreach (ToolCall call in toolCalls)
            {
                await At(call.Index * CloseStepMs);
                block.Post(new ToolCallClosed(call) { Turn = 1 });
            }

            await At(toolCalls.Length * CloseStepMs);
            block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), toolCalls, ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
            block.Complete();
            await sink.Completion;
        });
        return new NestfulRun(clock, events);

        Task At(double ms) => Task.Delay(TimeSpan.FromMilliseconds(ms) - clock.Elapsed, clock);
    }

    /// <summary>
    /// Checks a run against the plan and returns every problem found (none when the run is right): each call ends
    /// as the plan says (a completion, or the failure naming the undefined label or the failed dependency); a call
    /// receives its arguments with every reference substituted from the result of the call its label names;
    /// its result is <paramref name="expectedResult"/> of those arguments; it starts at the instant its last
    /// dependency completed, or at its close when it has none, and runs for its tool's latency; and when there are
    /// several root calls, they all run at once for a while.
    /// </summary>
    public static List<string> Check(
        NestfulPlan plan,
        NestfulRun run,
        Func<NestfulCall, JsonObject, JsonNode?> expectedResult,
        Func<string, TimeSpan> latency,
        NestfulTally? tally = null)
    {
        var problems = new List<string>();
        int count = plan.Steps.Count;
        var results = new JsonElement?[count];
        var started = new double?[count];
        var ended = new double?[count];
        foreach (NestfulPlan.Step step in plan.Steps)
        {
            NestfulCall call = step.Call;
            int i = call.Index;
            string id = $"call_1_{i} ({call.Name}{(call.Label is null ? string.Empty : " " + call.Label)})";
            List<ToolCallStarted> starts = run.Of<ToolCallStarted>(i);
            List<ToolCallCompleted> completions = run.Of<ToolCallCompleted>(i);
            List<ToolCallFailed> failures = run.Of<ToolCallFailed>(i);

            if (plan.ExpectedFailure(i) is { } expected)
            {
                if (starts.Count != 0 || completions.Count != 0 || failures.Count != 1)
                {
                    problems.Add($"{id} should fail {expected.Kind} without starting; got {starts.Count} start(s), {completions.Count} completion(s), {failures.Count} failure(s)");
                }
                else if (failures[0].Kind != expected.Kind || !expected.Names.Any(n => failures[0].Message.Contains($"'{n}'", StringComparison.Ordinal) || failures[0].Message.Contains(n + " (", StringComparison.Ordinal)))
                {
                    problems.Add($"{id} should fail {expected.Kind} naming {string.Join(" or ", expected.Names)}; got {failures[0].Kind}: {failures[0].Message}");
                }
                else if (tally is not null)
                {
                    tally.ExpectedFailures++;
                }

                continue;
            }

            if (failures.Count > 0)
            {
                problems.Add($"{id} failed {failures[0].Kind}: {failures[0].Message}");
                continue;
            }

            if (starts.Count != 1 || completions.Count != 1)
            {
                problems.Add($"{id} should start and complete once; got {starts.Count} start(s) and {completions.Count} completion(s)");
                continue;
            }

            ToolCallCompleted completion = completions[0];
            if (step.Dependencies.Any(d => results[d] is null))
            {
                problems.Add($"{id} ran although a call it depends on has no result");
                continue;
            }

            // The arguments the tool received: every reference replaced from the call its label names.
            JsonObject arguments;
            try
            {
                arguments = NestfulOracle.Substitute(call.Arguments, label => results[step.Targets[label]]!.Value);
            }
            catch (KeyNotFoundException e)
            {
                problems.Add($"{id}: the mock output lacks a referenced path: {e.Message}");
                continue;
            }

            JsonNode? received = NestfulOracle.Node(completion.Call.Arguments);
            if (!JsonNode.DeepEquals(arguments, received))
            {
                problems.Add($"{id} received {received?.ToJsonString()}, expected {arguments.ToJsonString()}");
            }

            JsonNode? result = expectedResult(call, arguments);
            if (!JsonNode.DeepEquals(result, NestfulOracle.Node(completion.Result)))
            {
                problems.Add($"{id} returned {NestfulOracle.Node(completion.Result)?.ToJsonString()}, expected {result?.ToJsonString()}");
            }

            results[i] = completion.Result is JsonElement element ? element : JsonSerializer.SerializeToElement(completion.Result, AIJsonUtilities.DefaultOptions);

            // Timing: ready at the later of its close and its last dependency's completion; starts right then.
            double ready = step.Dependencies.Select(d => ended[d]!.Value).Append(i * CloseStepMs).Max();
            started[i] = run.Ms(starts[0]);
            ended[i] = run.Ms(completion);
            if (started[i] != ready)
            {
                problems.Add($"{id} started at {started[i]} ms; its close and dependencies made it ready at {ready} ms");
            }

            if (ended[i] - started[i] != latency(call.Name).TotalMilliseconds)
            {
                problems.Add($"{id} ran {started[i]}..{ended[i]} ms, not its {latency(call.Name).TotalMilliseconds} ms latency");
            }

            if (tally is not null)
            {
                tally.Calls += call.IsResult ? 0 : 1;
                tally.References += step.References.Count;
                tally.EmbeddedReferences += step.References.Count(r => !r.IsWholeString);
                tally.ResultKeys += call.IsResult ? arguments.Count : 0;
            }
        }

        // Independent roots overlap: the last to start starts before the first to end ends.
        IReadOnlyList<NestfulPlan.Step> roots = plan.Roots;
        if (roots.Count >= 2 && roots.All(r => started[r.Call.Index] is not null))
        {
            double lastStart = roots.Max(r => started[r.Call.Index]!.Value);
            double firstEnd = roots.Min(r => ended[r.Call.Index]!.Value);
            if (lastStart >= firstEnd)
            {
                problems.Add($"the {roots.Count} root calls do not overlap: the last starts at {lastStart} ms, the first ends at {firstEnd} ms");
            }
            else if (tally is not null)
            {
                tally.ParallelItems++;
            }
        }

        return problems;
    }
}

/// <summary>Counts of what a conformance run checked.</summary>
internal sealed class NestfulTally
{
    public int Items { get; set; }

    public int Passed { get; set; }

    public int SkippedDefective { get; set; }

    public int Calls { get; set; }

    public int References { get; set; }

    public int EmbeddedReferences { get; set; }

    public int ResultKeys { get; set; }

    public int ParallelItems { get; set; }

    public int ExpectedFailures { get; set; }

    public void Add(NestfulTally other)
    {
        Items += other.Items;
        Passed += other.Passed;
        SkippedDefective += other.SkippedDefective;
        Calls += other.Calls;
        References += other.References;
        EmbeddedReferences += other.EmbeddedReferences;
        ResultKeys += other.ResultKeys;
        ParallelItems += other.ParallelItems;
        ExpectedFailures += other.ExpectedFailures;
    }

    public override string ToString() =>
        $"{Items} items run, {Passed} passed, {SkippedDefective} skipped as defective; {Calls} tool calls completed, " +
        $"{References} references resolved ({EmbeddedReferences} embedded in strings), {ResultKeys} var_result keys checked, " +
        $"{ParallelItems} items with overlapping root calls, {ExpectedFailures} unresolved-reference failures as expected";
}
