using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Testing;

namespace ToolFlow.Cli.Tests.Bench;

public sealed class ScenarioRecorderTests
{
    [Fact]
    public void ToJson_ScriptedRun_RecordsSpeedCallsAndLatenciesAndReplays()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var recorder = new ScenarioRecorder("recorded-demo");
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(DemoScenario.CreateModel(clock))
            .AddTools(DemoScenario.CreateTools(clock), ToolEffects.ReadOnly)
            .WithTimeProvider(clock)
            .Configure(o => o.TaskScheduler = scheduler)
            .Build();

        VirtualTime.Run(clock, scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync(DemoScenario.Conversation))
            {
                recorder.Record(e);
            }
        });

        JsonObject json = recorder.ToJson();
        Scenario scenario = ScenarioLoader.Parse(json.ToJsonString(), "recorded-demo.json");

        // The demo model: 300 ms to first token, 60 tokens a second; its four calls in order, with their latencies.
        Assert.Equal(TimeSpan.FromMilliseconds(300), scenario.Model.TimeToFirstToken);
        Assert.Equal(60, scenario.Model.TokensPerSecond, 1);
        ScenarioCall[] calls = [.. scenario.Conversations[0].Turns.SelectMany(t => t.Calls)];
        Assert.Equal(["get_weather", "search_flights", "find_hotels", "convert_currency"], calls.Select(c => c.Tool));
        Assert.All(calls, c => Assert.Equal(DemoScenario.Latencies[c.Tool], c.Latency));
        Assert.Equal(2, scenario.Conversations[0].Turns.Count);
        Assert.Equal(DemoScenario.UserPrompt, scenario.Conversations[0].Prompt);

        // Replayed, it runs the same calls, and await mode sits on the replay's lower bound.
        ScenarioRun replay = null!;
        VirtualTime.Run(clock, scheduler, async () => replay = await ScenarioRunner.RunAsync(scenario, ExecutionStrategy.Await, 1, clock, scheduler));
        CallTiming[] replayed = [.. replay.Conversations[0].Calls];
        Assert.Equal(calls.Select(c => c.Tool), replayed.Select(c => c.Name));
        Assert.All(replayed, c => Assert.Equal(DemoScenario.Latencies[c.Name].TotalMilliseconds, c.CompletedMs!.Value - c.StartedMs!.Value));
        Assert.Equal(replay.LowerBoundMs, replay.EndToEndMs);
    }
}
