using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.StreamParsers;
using ToolFlow.Testing;
using Xunit.Abstractions;

namespace ToolFlow.Pipeline.Tests;

/// <summary>Plan mode (LLMCompiler) on the manual clock.</summary>
public sealed class PlanModeTests(ITestOutputHelper output)
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private ScriptedModelOptions Speed => new() { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 100 };

    private List<ToolPipelineEvent> Run(ToolPipeline pipeline, string question)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, question)]))
            {
                events.Add(e);
            }
        });
        return events;
    }

    private double Ms(ToolPipelineEvent e) => (e.Timestamp - _clock.Epoch).TotalMilliseconds;

    /// <summary>Checks that every step started at max(its close, its dependencies' completions), and nothing earlier.</summary>
    private void AssertEachStepStartsAtItsLastDependency(List<ToolPipelineEvent> events, IReadOnlyDictionary<string, int[]> dependencies)
    {
        Dictionary<string, ToolCallClosed> closed = events.OfType<ToolCallClosed>().Where(c => c.Turn == 1).ToDictionary(c => c.Call.Label!);
        Dictionary<string, double> completed = events.OfType<ToolCallCompleted>().Where(c => c.Turn == 1).ToDictionary(c => c.Call.Label!, Ms);
        Dictionary<string, double> started = events.OfType<ToolCallStarted>().Where(c => c.Turn == 1).ToDictionary(c => c.Call.Label!, Ms);
        Assert.Equal(dependencies.Keys.Order(), started.Keys.Order());
        foreach ((string step, int[] deps) in dependencies)
        {
            double expected = deps.Select(d => completed[d.ToString(System.Globalization.CultureInfo.InvariantCulture)]).Append(Ms(closed[step])).Max();
            Assert.True(expected == started[step], $"step {step} started at {started[step]} ms, its last input was ready at {expected} ms");
        }
    }

    public static TheoryData<string> CorpusPlans()
    {
        var data = new TheoryData<string>();
        foreach (string id in PlanCorpus.Cases().Select(c => c.Id))
        {
            data.Add(id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusPlans))]
    public void RunAsync_CorpusPlan_EachStepStartsTheInstantItsDependenciesComplete(string id)
    {
        PlanCorpus.Case plan = PlanCorpus.Cases().Single(c => c.Id == id);
        var planner = new ScriptedChatClient([new ScriptedResponse().Text(plan.Text)], Speed);
        var answerer = new ScriptedChatClient(_ => new ScriptedResponse().Text("The answer."), Speed);
        var tools = new TestTools(_clock);
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(answerer).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler)
            .WithMode(ToolPipelineMode.Plan).Configure(o => o.Planner = planner);
        int latency = 40;
        foreach (string name in plan.Steps.Values.Select(s => s.Name).Where(n => n != LlmCompilerPlan.JoinToolName).Distinct())
        {
            builder.AddTool(new PositionalTool(_clock, name, TimeSpan.FromMilliseconds(latency += 70)), ToolEffects.ReadOnly);
        }

        List<ToolPipelineEvent> events = Run(builder.Build(), "question");

        // A step that refers to a step the plan never defined (its line was malformed and dropped) is rejected with
        // a reason, and so is everything that depends on it; every other step starts at its last input.
        var rejected = new HashSet<string>();
        foreach ((string step, (string _, int[] deps)) in plan.Steps.OrderBy(s => int.Parse(s.Key, System.Globalization.CultureInfo.InvariantCulture)))
        {
            if (deps.Any(d => !plan.Steps.ContainsKey(d.ToString(System.Globalization.CultureInfo.InvariantCulture)) || rejected.Contains(d.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            {
                rejected.Add(step);
            }
        }

        // Dropped lines themselves reach the model as invalid calls rather than vanishing.
        Dictionary<string, ToolCallFailed> failed = events.OfType<ToolCallFailed>().ToDictionary(f => f.Call.Label!);
        Assert.All(failed.Where(f => !plan.Steps.ContainsKey(f.Key)), f => Assert.Equal(ToolCallFailureKind.InvalidArguments, f.Value.Kind));
        Assert.Equal(rejected.Order(), failed.Keys.Where(plan.Steps.ContainsKey).Order());
        Assert.All(rejected, r => Assert.Contains(failed[r].Kind, new[] { ToolCallFailureKind.UnresolvedReference, ToolCallFailureKind.DependencyFailed }));
        AssertEachStepStartsAtItsLastDependency(events, plan.Steps.Where(s => !rejected.Contains(s.Key)).ToDictionary(s => s.Key, s => s.Value.Deps));
        Assert.Equal("The answer.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
        output.WriteLine($"{id}: {plan.Steps.Count} steps");
    }

    [Fact]
    public void RunAsync_ParallelQaPlan_EveryLineStartsAtItsLastDependencysCompletion()
    {
        const string Plan = """
            1. search("Apple market cap")
            2. search("Microsoft market cap")
            3. math("ratio of the two", ["$1", "$2"])
            4. search("Nvidia market cap")
            5. search("Google market cap")
            6. math("ratio of the two", ["$4", "$5"])
            Thought: compare both ratios.
            7. math("smaller of the two", ["$3", "$6"])
            8. join()<END_OF_PLAN>
            """;
        var planner = new ScriptedChatClient([new ScriptedResponse().Text(Plan)], Speed);
        var answerer = new ScriptedChatClient(messages => new ScriptedResponse().Text($"Answer from {messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Count()} results."), Speed);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(answerer).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler)
            .WithMode(ToolPipelineMode.Plan).Configure(o => o.Planner = planner)
            .AddTool(new PositionalTool(_clock, "search", TimeSpan.FromMilliseconds(900)), ToolEffects.ReadOnly)
            .AddTool(new PositionalTool(_clock, "math", TimeSpan.FromMilliseconds(50)), ToolEffects.ReadOnly)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, "Which ratio is smaller?");

        AssertEachStepStartsAtItsLastDependency(events, new Dictionary<string, int[]>
        {
            ["1"] = [], ["2"] = [], ["3"] = [1, 2], ["4"] = [], ["5"] = [], ["6"] = [4, 5], ["7"] = [3, 6], ["8"] = [1, 2, 3, 4, 5, 6, 7],
        });

        // Steps 1 and 4 overlap: the second search pair does not wait for the first pair's math.
        double start4 = Ms(events.OfType<ToolCallStarted>().Single(s => s.Call.Label == "4"));
        double done3 = Ms(events.OfType<ToolCallCompleted>().Single(s => s.Call.Label == "3"));
        Assert.True(start4 < done3);

        // math received the earlier results by name, in place of $1 and $2.
        ToolCallStarted ratio = events.OfType<ToolCallStarted>().Single(s => s.Call.Label == "3");
        Assert.Equal("""["search(Apple market cap)","search(Microsoft market cap)"]""", JsonSerializer.Serialize(ratio.Call.Arguments!["p1"]));
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal("Answer from 8 results.", run.FinalText);
    }

    [Fact]
    public void RunAsync_AnswererAsksToReplan_PlansAgainWithinTheBound()
    {
        int plans = 0;
        var planner = new ScriptedChatClient(
            _ => new ScriptedResponse().Text(++plans == 1 ? "1. search(\"first try\")\n2. join()<END_OF_PLAN>" : "1. search(\"second try\")\n2. join()<END_OF_PLAN>"),
            Speed);
        var answerer = new ScriptedChatClient(
            messages => new ScriptedResponse().Text(messages.Any(m => m.Text.Contains("second try", StringComparison.Ordinal)) || messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Any(r => r.Result?.ToString()?.Contains("second try", StringComparison.Ordinal) == true)
                ? "Found it."
                : "Replan: the first search found nothing."),
            Speed);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(answerer).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler)
            .WithMode(ToolPipelineMode.Plan).Configure(o => { o.Planner = planner; o.MaxReplans = 1; })
            .AddTool(new PositionalTool(_clock, "search", TimeSpan.FromMilliseconds(100)), ToolEffects.ReadOnly)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, "Find it.");

        Assert.Equal(2, plans);
        Assert.Equal("Found it.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
        Assert.Equal(4, events.OfType<TurnStarted>().Count());
    }

    /// <summary>A tool with positional parameters p0..p3 that answers with its name and first argument.</summary>
    private sealed class PositionalTool(ManualTimeProvider clock, string name, TimeSpan latency) : AIFunction
    {
        private static readonly JsonElement s_schema = JsonElement.Parse("""{"type": "object", "properties": {"p0": {}, "p1": {}, "p2": {}, "p3": {}}}""");

        public override string Name => name;

        public override JsonElement JsonSchema => s_schema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
            string first = arguments.TryGetValue("p0", out object? value) && value is JsonElement { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";
            return $"{name}({first})";
        }
    }
}
