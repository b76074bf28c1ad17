using System.Text.Json;
using Spectre.Console;
using ToolFlow.Cli.Demo;
using ToolFlow.Profiling;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Cli.Tests.Demo;

public sealed class DemoCommandTests
{
    [Theory]
    [InlineData(ScriptedToolCallShape.OpenAIDeltas)]
    [InlineData(ScriptedToolCallShape.HermesText)]
    public void RunJsonAsync_VirtualClock_PrintsTheMeasuredStrategiesAgainstTheLowerBound(ScriptedToolCallShape shape)
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var output = new StringWriter();

        VirtualTime.Run(clock, scheduler, () => DemoCommand.RunJsonAsync(shape, output, clock, scheduler, CancellationToken.None));

        using JsonDocument json = JsonDocument.Parse(output.ToString());
        JsonElement root = json.RootElement;
        double endToEnd = root.GetProperty("endToEndMs").GetDouble();
        double lowerBound = root.GetProperty("lowerBoundMs").GetDouble();
        double afterDecode = root.GetProperty("afterDecodeMs").GetDouble();
        double sequential = root.GetProperty("sequentialMs").GetDouble();

        // On a virtual clock the mesh adds no time: ToolFlow sits exactly on the lower bound.
        Assert.Equal(lowerBound, endToEnd);
        Assert.True(endToEnd < afterDecode, $"{endToEnd} < {afterDecode}");
        Assert.True(afterDecode < sequential, $"{afterDecode} < {sequential}");

        JsonElement[] calls = [.. root.GetProperty("calls").EnumerateArray()];
        Assert.Equal(["get_weather", "search_flights", "find_hotels", "convert_currency"], calls.Select(c => c.GetProperty("name").GetString()));
        foreach (JsonElement call in calls)
        {
            double closed = call.GetProperty("closedMs").GetDouble();
            Assert.Equal(closed, call.GetProperty("startedMs").GetDouble());
            double latency = DemoScenario.Latencies[call.GetProperty("name").GetString()!].TotalMilliseconds;
            Assert.Equal(closed + latency, call.GetProperty("completedMs").GetDouble(), 1);
        }
    }

    [Fact]
    public void RunLiveAsync_NonInteractiveConsole_WritesEachCallsStatesThenTheTable()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var console = new StringConsole();

        VirtualTime.Run(clock, scheduler, () => DemoCommand.RunLiveAsync(console.Console, ScriptedToolCallShape.OpenAIDeltas, compare: false, clock, scheduler, CancellationToken.None));

        string output = console.Text;
        string[] lines = output.Split('\n');
        string[] tools = ["get_weather", "search_flights", "find_hotels", "convert_currency"];
        for (int i = 0; i < tools.Length; i++)
        {
            // The same lines toolflow run writes: each call detected, its arguments, running, then done with its latency.
            string tag = $"[{tools[i]} #{i + 1}]";
            int detected = Array.IndexOf(lines, $"{tag} detected");
            int running = Array.IndexOf(lines, $"{tag} running");
            int done = Array.FindIndex(lines, l => l.StartsWith($"{tag} done in {DemoScenario.Latencies[tools[i]].TotalMilliseconds:F0} ms: ", StringComparison.Ordinal));
            Assert.True(detected >= 0 && detected < running && running < done, $"{tag}: {detected}, {running}, {done}\n{output}");

            // Then the table as it ended: one row per call, done.
            Assert.Contains(lines, l => l.Contains($"│ {i + 1} │ {tools[i]} ", StringComparison.Ordinal) && l.Contains("│ done in ", StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.StartsWith("[end] answered: 2 turns, 4 tool calls, ", StringComparison.Ordinal));
        Assert.DoesNotContain(output, c => char.IsControl(c) && c is not '\n' and not '\r');
    }

    [Fact]
    public void RunLiveAsync_OnTheConsoleForRedirectedOutput_WritesPlainLinesWithNoEscapes()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var output = new StringWriter();
        IAnsiConsole console = DemoCommand.ConsoleFor(output, redirected: true);

        VirtualTime.Run(clock, scheduler, () => DemoCommand.RunLiveAsync(console, ScriptedToolCallShape.OpenAIDeltas, compare: true, clock, scheduler, CancellationToken.None));

        string text = output.ToString();
        Assert.False(console.Profile.Capabilities.Interactive);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain(text, c => char.IsControl(c) && c is not '\n' and not '\r');
        Assert.Contains("[get_weather #1] detected", text, StringComparison.Ordinal);
        Assert.Contains("sequential after decode", text, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_EachStrategy_MatchesItsAnalyticCost()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var runs = new Dictionary<ExecutionStrategy, DemoRun>();

        VirtualTime.Run(clock, scheduler, async () =>
        {
            foreach (ExecutionStrategy strategy in DemoRunner.Strategies)
            {
                runs[strategy] = await DemoRunner.RunAsync(strategy, clock, ScriptedToolCallShape.OpenAIDeltas, null, CancellationToken.None, scheduler);
            }
        });

        IReadOnlyList<TurnPlan> plan = runs[ExecutionStrategy.Await].Plan;
        Assert.Equal(LowerBound.Of(plan).TotalMilliseconds, runs[ExecutionStrategy.Await].EndToEndMs, 3);
        Assert.Equal(LowerBound.ParallelAfterDecode(plan).TotalMilliseconds, runs[ExecutionStrategy.AfterDecode].EndToEndMs, 3);
        Assert.Equal(LowerBound.SequentialAfterDecode(plan).TotalMilliseconds, runs[ExecutionStrategy.Sequential].EndToEndMs, 3);
    }

    [Fact]
    public void RunAsync_Demo_IsARealisticConversation()
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        DemoRun run = null!;

        VirtualTime.Run(clock, scheduler, async () =>
            run = await DemoRunner.RunAsync(ExecutionStrategy.Await, clock, ScriptedToolCallShape.OpenAIDeltas, null, CancellationToken.None, scheduler));

        // At least four tools of 150 to 800 ms, spread through a first response that keeps streaming after them.
        Assert.True(DemoScenario.Latencies.Count >= 4);
        Assert.All(DemoScenario.Latencies.Values, l => Assert.InRange(l.TotalMilliseconds, 150, 800));
        TurnPlan first = run.Plan[0];
        Assert.Equal(4, first.Calls.Count);
        Assert.True(first.Decode - first.Calls.Max(c => c.Closed) >= TimeSpan.FromMilliseconds(400), "text streams on after the last call");
        Assert.True(first.Calls[1].Closed - first.Calls[0].Closed > TimeSpan.FromMilliseconds(300), "calls are spread through the response");

        // The second turn answers from the tools' real results.
        Assert.Equal(2, run.Plan.Count);
        string answer = run.Timeline.Completed!.FinalText;
        Assert.Contains("TP1363", answer, StringComparison.Ordinal);
        Assert.Contains("Casa do Largo", answer, StringComparison.Ordinal);
        Assert.Contains("575.6", answer, StringComparison.Ordinal);
        Assert.Contains("14 to 21", answer, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Timeline.Calls, c => c.Failed);
    }
}
