using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

/// <summary>A shipped scenario's conversation as a pipeline of one's own, on the manual clock.</summary>
public sealed class ScenarioPipelineTests
{
    [Theory]
    [InlineData(ExecutionStrategy.Await)]
    [InlineData(ExecutionStrategy.Futures)]
    public void Create_RunOnItsOwn_SameTimelineAsTheRunner(ExecutionStrategy strategy)
    {
        Scenario scenario = ShippedScenarios.Load("dependent-chain");
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        RunTimeline? own = null;
        ScenarioRun? runner = null;
        VirtualTime.Run(clock, scheduler, async () =>
        {
            ScenarioPipeline scenarioPipeline = ScenarioPipeline.Create(scenario, 0, strategy, 3, clock);
            ToolPipeline pipeline = scenarioPipeline.Builder.Configure(o => o.TaskScheduler = scheduler).Build();
            own = new RunTimeline(clock.GetUtcNow(), scenarioPipeline.ConversationName);
            await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, scenarioPipeline.Prompt)]))
            {
                own.Record(e);
            }

            runner = await ScenarioRunner.RunAsync(scenario, strategy, 3, clock, scheduler);
        });

        Assert.NotNull(own);
        Assert.NotNull(runner);
        Assert.Equal(runner.EndToEndMs, own.EndToEndMs);
        Assert.Equal(
            runner.Conversations[0].Calls.Select(c => (c.CallId, c.StartedMs - runner.Conversations[0].Calls[0].StartedMs)),
            own.Calls.Select(c => (c.CallId, c.StartedMs - own.Calls[0].StartedMs)));
    }

    [Fact]
    public void Create_GivesTheConversationsPrompt()
    {
        Scenario scenario = ShippedScenarios.Load("hotpotqa-fanout");

        ScenarioPipeline scenarioPipeline = ScenarioPipeline.Create(scenario, 0, ExecutionStrategy.Await, 1, TimeProvider.System);

        Assert.Equal(scenario.Conversations[0].Prompt, scenarioPipeline.Prompt);
        Assert.Equal(scenario.Conversations[0].Name, scenarioPipeline.ConversationName);
        Assert.Equal(scenario.Conversations.Count, ScenarioPipeline.ConversationCount(scenario));
    }

    [Fact]
    public void Create_ConversationOutOfRange_Throws()
    {
        Scenario scenario = ShippedScenarios.Load("hotpotqa-fanout");

        Assert.Throws<ArgumentOutOfRangeException>(() => ScenarioPipeline.Create(scenario, -1, ExecutionStrategy.Await, 1, TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScenarioPipeline.Create(scenario, scenario.Conversations.Count, ExecutionStrategy.Await, 1, TimeProvider.System));
    }

    [Theory]
    [InlineData(ExecutionStrategy.Ficc)]
    [InlineData(ExecutionStrategy.AgentConcurrent)]
    [InlineData(ExecutionStrategy.Plan)]
    public void Create_StrategyThatIsNoPipelineHere_Throws(ExecutionStrategy strategy)
    {
        Scenario scenario = ShippedScenarios.Load("hotpotqa-fanout");

        ArgumentException error = Assert.Throws<ArgumentException>(() => ScenarioPipeline.Create(scenario, 0, strategy, 1, TimeProvider.System));
        Assert.Equal("strategy", error.ParamName);
    }
}
