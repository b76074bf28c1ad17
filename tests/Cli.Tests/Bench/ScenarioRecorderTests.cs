using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Testing;
using ToolFlow.Tokenizers;

namespace ToolFlow.Cli.Tests.Bench;

public sealed class ScenarioRecorderTests
{
    [Fact]
    public void ToJson_ScriptedRun_RecordsSpeedCallsAndLatenciesAndReplays()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var recorder = new ScenarioRecorder("recorded-demo");
        RecordDemo(DemoScenario.CreateModel(clock), recorder, clock, scheduler);

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

    [Fact]
    public void ToJson_ModelReportsNoUsage_CountsTheTurnsTokensWithTheTokenizerAndNamesIt()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var recorder = new ScenarioRecorder("no-usage");
        List<ToolPipelineEvent> events = RecordDemo(new WithoutUsage(DemoScenario.CreateModel(clock)), recorder, clock, scheduler);
        Assert.DoesNotContain(events, e => e is ResponseCompleted { Usage: not null });

        // The demo streams 60 o200k_base tokens a second: counting its text and calls in o200k_base finds that rate
        // again (to the millisecond rounding of the stream's offsets), where four characters a token did not.
        JsonObject json = recorder.ToJson();
        Assert.Equal("o200k_base", json["model"]!["tokenizer"]!.GetValue<string>());
        Assert.Equal(60, json["model"]!["tokensPerSecond"]!.GetValue<double>(), 0.05);
        Scenario scenario = ScenarioLoader.Parse(json.ToJsonString(), "no-usage.json");
        Assert.Equal("o200k_base", scenario.Model.Tokenizer.Name);
    }

    [Fact]
    public void Constructor_TokenizerAScenarioCannotName_ClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => new ScenarioRecorder("x", new TiktokenCounter(Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base"), "my-model")));

        Assert.Contains("'my-model' is none of o200k_base, cl100k_base", e.Message, StringComparison.Ordinal);
        Assert.Equal("cl100k_base", new ScenarioRecorder("x", TiktokenCounter.Cl100kBase).ToJson()["model"]!["tokenizer"]!.GetValue<string>());
    }

    /// <summary>Runs the demo conversation on <paramref name="model"/> in virtual time, recording every event.</summary>
    private static List<ToolPipelineEvent> RecordDemo(IChatClient model, ScenarioRecorder recorder, ManualTimeProvider clock, ManualTaskScheduler scheduler)
    {
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model)
            .AddTools(DemoScenario.CreateTools(clock), ToolEffects.ReadOnly)
            .WithTimeProvider(clock)
            .Configure(o => o.TaskScheduler = scheduler)
            .Build();
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(clock, scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync(DemoScenario.Conversation))
            {
                events.Add(e);
                recorder.Record(e);
            }
        });
        return events;
    }

    /// <summary>A model that reports no token usage, as some servers do.</summary>
    private sealed class WithoutUsage(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages,
            ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                update.Contents = [.. update.Contents.Where(c => c is not UsageContent)];
                yield return update;
            }
        }
    }
}
