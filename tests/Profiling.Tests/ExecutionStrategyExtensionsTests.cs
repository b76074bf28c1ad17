using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Profiling.Tests;

public sealed class ExecutionStrategyExtensionsTests
{
    [Fact]
    public void ToName_EveryStrategy_IsTheCommandLineNameAndParsesBack()
    {
        Assert.Equal(Enum.GetValues<ExecutionStrategy>().Order(), ExecutionStrategyExtensions.All.Order());
        Assert.Equal(
            ["sequential", "after-decode", "ficc", "ficc-concurrent", "agent", "agent-concurrent", "await", "futures", "plan"],
            ExecutionStrategyExtensions.All.Select(s => s.ToName()));
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

    [Fact]
    public void RealLibrary_Peers_NameTheLibraryAndTheVersionLoaded()
    {
        Assert.Equal("Microsoft.Extensions.AI 11.0.0 FunctionInvokingChatClient", ExecutionStrategy.Ficc.RealLibrary());
        Assert.Equal("Microsoft.Extensions.AI 11.0.0 FunctionInvokingChatClient, AllowConcurrentInvocation", ExecutionStrategy.FiccConcurrent.RealLibrary());
        Assert.Equal("Microsoft.Agents.AI 1.28.0 ChatClientAgent", ExecutionStrategy.Agent.RealLibrary());
        Assert.Equal("Microsoft.Agents.AI 1.28.0 ChatClientAgent, AllowConcurrentInvocation", ExecutionStrategy.AgentConcurrent.RealLibrary());
        Assert.All(
            [ExecutionStrategy.Sequential, ExecutionStrategy.AfterDecode, ExecutionStrategy.Await, ExecutionStrategy.Futures, ExecutionStrategy.Plan],
            s => Assert.Null(s.RealLibrary()));
    }

    [Fact]
    public void WithStrategy_RealLibrary_ThrowsAClearArgumentException()
    {
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(new ScriptedChatClient([new ScriptedResponse().Text("hi")]));

        ArgumentException e = Assert.Throws<ArgumentException>(() => builder.WithStrategy(ExecutionStrategy.FiccConcurrent));

        Assert.Contains("'ficc-concurrent' runs Microsoft.Extensions.AI 11.0.0 FunctionInvokingChatClient", e.Message, StringComparison.Ordinal);
    }
}
