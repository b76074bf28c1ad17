using System.Text.Json;
using ToolFlow.Cli.Bench;
using ToolFlow.Profiling;
using ToolFlow.Profiling.Tests;
using ToolFlow.Testing;

namespace ToolFlow.Cli.Tests.Bench;

public sealed class BenchCommandTests
{
    [Fact]
    public void RunAsync_JsonOnVirtualClock_PrintsTheContractShapeWithAwaitOnTheBound()
    {
        IReadOnlyList<Scenario> scenarios = BenchCommand.Resolve(["hotpotqa-fanout", "parallelqa-dag"], ShippedScenarios.Directory);
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var output = new StringWriter();
        string timeline = Path.Combine(Path.GetTempPath(), $"toolflow-timeline-{Guid.NewGuid():N}.html");

        try
        {
            VirtualTime.Run(clock, scheduler, () => BenchCommand.RunAsync(scenarios, ExecutionStrategyExtensions.All, 2, 1, true, timeline, clock, scheduler, output, warmUp: false, CancellationToken.None));

            using JsonDocument json = JsonDocument.Parse(output.ToString());
            JsonElement[] results = [.. json.RootElement.GetProperty("scenarios").EnumerateArray()];
            Assert.Equal(["hotpotqa-fanout", "parallelqa-dag"], results.Select(r => r.GetProperty("name").GetString()));
            Assert.Equal(
                ["sequential", "after-decode", "ficc", "ficc-concurrent", "agent", "agent-concurrent", "await", "futures"],
                results[0].GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            Assert.Equal(
                [null, null, "Microsoft.Extensions.AI 11.0.0 FunctionInvokingChatClient", "Microsoft.Extensions.AI 11.0.0 FunctionInvokingChatClient, AllowConcurrentInvocation",
                    "Microsoft.Agents.AI 1.28.0 ChatClientAgent", "Microsoft.Agents.AI 1.28.0 ChatClientAgent, AllowConcurrentInvocation", null, null],
                results[0].GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("realLibrary").GetString()));
            Assert.Contains("plan", results[1].GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            foreach (JsonElement result in results)
            {
                JsonElement awaitMode = result.GetProperty("strategies").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "await");
                Assert.Equal(result.GetProperty("lowerBoundMs").GetDouble(), awaitMode.GetProperty("p50Ms").GetDouble());
                Assert.True(awaitMode.GetProperty("p95Ms").GetDouble() >= awaitMode.GetProperty("p50Ms").GetDouble());
            }

            // The peers run the plan scenario's steps as ordinary calls, beside the simulated after-decode rows.
            Assert.Contains("ficc-concurrent", results[1].GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("name").GetString()));

            // The fan-out's first tool starts as its call closes under await, only at the decode's end under the real libraries.
            JsonElement[] fanOut = [.. results[0].GetProperty("strategies").EnumerateArray()];
            double FirstStart(string name) => fanOut.Single(s => s.GetProperty("name").GetString() == name).GetProperty("firstToolStartP50Ms").GetDouble();
            Assert.True(FirstStart("await") < FirstStart("ficc"));
            Assert.Equal(FirstStart("after-decode"), FirstStart("ficc"));
            Assert.Equal(FirstStart("ficc"), FirstStart("agent-concurrent"));

            string html = File.ReadAllText(timeline);
            Assert.Contains("(real library: Microsoft.Agents.AI 1.28.0 ChatClientAgent)", html, StringComparison.Ordinal);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
            Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(timeline);
        }
    }

    [Fact]
    public void ParseStrategies_UnknownName_ListsTheStrategies()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => BenchCommand.ParseStrategies("await,fast"));

        Assert.Contains("'fast'", e.Message, StringComparison.Ordinal);
        Assert.Equal([ExecutionStrategy.Await, ExecutionStrategy.AfterDecode], BenchCommand.ParseStrategies("await, after-decode"));
    }

    [Fact]
    public void RunAsync_TableOnVirtualClock_LabelsWhichRowsAreTheRealLibraries()
    {
        IReadOnlyList<Scenario> scenarios = BenchCommand.Resolve(["hotpotqa-fanout"], ShippedScenarios.Directory);
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var output = new StringWriter();

        VirtualTime.Run(clock, scheduler, () => BenchCommand.RunAsync(scenarios, BenchCommand.ParseStrategies("after-decode,ficc-concurrent,await"), 1, 1, false, null, clock, scheduler, output, warmUp: false, CancellationToken.None));

        string[] rows = [.. output.ToString().Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal))];
        Assert.Contains("first tool ms", rows[0], StringComparison.Ordinal);
        Assert.Contains("runner", rows[0], StringComparison.Ordinal);
        Assert.Matches(@"^\| after-decode +\| +983\.0 \| +2082\.0 \|.*\| ToolFlow pipeline simulating FICC's concurrent policy +\|$", rows[1].TrimEnd('\r'));
        Assert.Matches(@"^\| ficc-concurrent +\| +983\.0 \| +2082\.0 \|.*\| real library: Microsoft\.Extensions\.AI 11\.0\.0 FunctionInvokingChatClient, AllowConcurrentInvocation \|$", rows[2].TrimEnd('\r'));
        Assert.Matches(@"^\| await +\| +617\.0 \| +1932\.0 \|.*\| ToolFlow pipeline +\|$", rows[3].TrimEnd('\r'));
    }
}
