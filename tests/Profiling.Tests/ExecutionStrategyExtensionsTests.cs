using ToolFlow.Profiling;

namespace ToolFlow.Profiling.Tests;

public sealed class ExecutionStrategyExtensionsTests
{
    [Fact]
    public void ToName_EveryStrategy_IsTheCommandLineNameAndParsesBack()
    {
        Assert.Equal(Enum.GetValues<ExecutionStrategy>(), ExecutionStrategyExtensions.All);
        Assert.Equal(["sequential", "after-decode", "await", "futures", "plan"], ExecutionStrategyExtensions.All.Select(s => s.ToName()));
        foreach (ExecutionStrategy strategy in ExecutionStrategyExtensions.All)
        {
            Assert.True(ExecutionStrategyExtensions.TryParse(strategy.ToName().ToUpperInvariant(), out ExecutionStrategy parsed));
            Assert.Equal(strategy, parsed);
        }

        Assert.False(ExecutionStrategyExtensions.TryParse("fast", out _));
    }

    [Fact]
    public void AppliesTo_PlanStrategy_OnlyToPlanScenarios()
    {
        Scenario plan = ShippedScenarios.Load("parallelqa-dag");
        Scenario fanOut = ShippedScenarios.Load("hotpotqa-fanout");

        Assert.True(ExecutionStrategy.Plan.AppliesTo(plan));
        Assert.False(ExecutionStrategy.Plan.AppliesTo(fanOut));
        Assert.All(ExecutionStrategyExtensions.All.Where(s => s != ExecutionStrategy.Plan), s => Assert.True(s.AppliesTo(fanOut)));
    }
}
