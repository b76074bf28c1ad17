using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using ToolFlow.Profiling;
using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

/// <summary><see cref="ScenarioRunner.RunRoutedAsync"/>: a route decides where each tool's body runs; the run is the same.</summary>
public sealed class ScenarioToolRouteTests
{
    // Counts the attempts it forwards, per conversation and tool, as a route to another node would carry them.
    private sealed class CountingFunction(AIFunction tool, ConcurrentDictionary<string, int> counts, string key) : DelegatingAIFunction(tool)
    {
        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            counts.AddOrUpdate(key, 1, static (_, n) => n + 1);
            return base.InvokeCoreAsync(arguments, cancellationToken);
        }
    }

    [Theory]
    [InlineData("failing-retried")]
    [InlineData("asynctool-multitask")]
    public void RunRoutedAsync_EveryAttemptThroughTheRoute_SameRunAsUnrouted(string name)
    {
        Scenario scenario = ShippedScenarios.Load(name);
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        ScenarioRun? plain = null, routed = null;
        VirtualTime.Run(clock, scheduler, async () =>
        {
            plain = await ScenarioRunner.RunAsync(scenario, ExecutionStrategy.Await, 2, clock, scheduler);
            routed = await ScenarioRunner.RunRoutedAsync(
                scenario, ExecutionStrategy.Await, 2, clock, (tool, c) => new CountingFunction(tool, counts, $"{c}/{tool.Name}"), scheduler);
        });

        Assert.NotNull(plain);
        Assert.NotNull(routed);
        Assert.Equal(plain.EndToEndMs, routed.EndToEndMs);
        Assert.Equal(plain.Conversations.Select(c => c.Completed!.FinalText), routed.Conversations.Select(c => c.Completed!.FinalText));
        Assert.Equal(plain.Conversations.SelectMany(c => c.Calls), routed.Conversations.SelectMany(c => c.Calls));
        Assert.InRange(counts.Values.Sum(), routed.Conversations.Sum(c => c.Calls.Count), int.MaxValue);
        Assert.Equal(scenario.Conversations.Count, counts.Keys.Select(k => k.Split('/')[0]).Distinct().Count());
    }

    [Fact]
    public async Task RunRoutedAsync_RouteRenamesTheTool_FailsNamingBoth()
    {
        Scenario scenario = ShippedScenarios.Load("dependent-chain");
        AIFunction renamed = AIFunctionFactory.Create(() => "x", "other");

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ScenarioRunner.RunRoutedAsync(scenario, ExecutionStrategy.Await, 1, TimeProvider.System, (_, _) => renamed));

        Assert.Contains("'other'", error.Message, StringComparison.Ordinal);
        Assert.Contains("must keep the tool's name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunRoutedAsync_RealLibraryStrategy_Refused()
    {
        Scenario scenario = ShippedScenarios.Load("dependent-chain");

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            () => ScenarioRunner.RunRoutedAsync(scenario, ExecutionStrategy.Ficc, 1, TimeProvider.System, (tool, _) => tool));

        Assert.Contains("only ToolFlow's strategies take a tool route", error.Message, StringComparison.Ordinal);
    }
}
