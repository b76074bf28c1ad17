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
            Assert.Equal(["sequential", "after-decode", "await", "futures"], results[0].GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            Assert.Contains("plan", results[1].GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            foreach (JsonElement result in results)
            {
                JsonElement awaitMode = result.GetProperty("strategies").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "await");
                Assert.Equal(result.GetProperty("lowerBoundMs").GetDouble(), awaitMode.GetProperty("p50Ms").GetDouble());
                Assert.True(awaitMode.GetProperty("p95Ms").GetDouble() >= awaitMode.GetProperty("p50Ms").GetDouble());
            }

            string html = File.ReadAllText(timeline);
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
}
