using ToolFlow.ClusterBench;
using ToolFlow.Profiling;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>What <see cref="ScenarioOutcome"/> compares: every call, its arguments, result and status, and the answer.</summary>
[Collection(ClusterBenchCollection.Name)]
public sealed class ScenarioOutcomeTests(ClusterBenchFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Of_FailingRetriedOnThreeSilos_HoldsEveryCallResultAndTheAnswer()
    {
        Scenario scenario = ScenarioLoader.Load(Path.Combine(ClusterBenchFixture.ScenariosDirectory, "failing-retried.json"));
        string scope = $"outcome-{Guid.NewGuid():N}";

        ScenarioRun run = await ScenarioRunner.RunRoutedAsync(
            scenario, ExecutionStrategy.Await, 3, new AcceleratedTimeProvider(TimeProvider.System, 20), fixture.Tools.Route(fixture.Rig.Grains, scope));
        fixture.Tools.Forget(scope);

        IReadOnlyList<string> lines = ScenarioOutcome.Of(run);
        foreach (string line in lines)
        {
            output.WriteLine(line);
        }

        int calls = run.Conversations.Sum(c => c.Calls.Count);
        Assert.Equal(calls, lines.Count(l => l.Contains(" tool: result ", StringComparison.Ordinal)));
        Assert.Equal(calls, lines.Count(l => l.Contains(" assistant: call ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.EndsWith(" completed", StringComparison.Ordinal));
        Assert.StartsWith($"{run.Conversations[0].Name}: ", lines[0], StringComparison.Ordinal);
    }
}
