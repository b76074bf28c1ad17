using ToolFlow.Profiling;

namespace ToolFlow.Profiling.Tests;

public sealed class ScenarioLoaderTests
{
    private const string File = "my-agent.json";

    private static string Wrap(string tools, string turns) =>
        $$"""{"model": {"timeToFirstTokenMs": 100, "tokensPerSecond": 50}, "tools": {{{tools}}}, "turns": {{turns}}}""";

    private const string Search = """ "search": {"latency": {"kind": "fixed", "ms": 100}} """;

    [Fact]
    public void Parse_UnknownTool_NamesTheFileTheFieldAndTheKnownTools()
    {
        string json = Wrap(Search, """[[{"call": "search"}, {"call": "serch"}], [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal("my-agent.json: $.turns[0][1].call: unknown tool 'serch'; the tools are: search", e.Message);
        Assert.Equal("$.turns[0][1].call", e.FieldPath);
    }

    [Fact]
    public void Parse_CyclicDependency_NamesTheFileTheFieldAndTheCycle()
    {
        string json = Wrap(Search, """
            [[{"call": "search", "id": "a", "dependsOn": ["b"]},
              {"call": "search", "id": "b", "arguments": {"q": {"$future": "a"}}}],
             [{"text": "done"}]]
            """);

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal("my-agent.json: $.turns[0][1].arguments.q.$future: cyclic dependency: a -> b -> a", e.Message);
    }

    [Fact]
    public void Parse_CyclicDependencyThroughPlanSteps_IsReported()
    {
        string json = Wrap(Search, """[{"segments": [{"call": "search", "id": "a", "arguments": {"x": "$2"}}, {"call": "search", "id": "b", "arguments": {"x": "$1"}}]}, [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.StartsWith("my-agent.json: $.turns[0].segments[", e.Message, StringComparison.Ordinal);
        Assert.Contains("cyclic dependency: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind": "fixed", "ms": -5}""", "$.tools.search.latency.ms", "-5 ms")]
    [InlineData("""{"kind": "uniform", "minMs": -1, "maxMs": 10}""", "$.tools.search.latency.minMs", "-1 ms")]
    [InlineData("""{"kind": "lognormal", "medianMs": -300, "sigma": 0.5}""", "$.tools.search.latency.medianMs", "-300 ms")]
    public void Parse_NegativeLatency_NamesTheFileAndTheField(string latency, string field, string value)
    {
        string json = Wrap($$""" "search": {"latency": {{latency}}} """, """[[{"call": "search"}], [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal($"my-agent.json: {field}: latency must not be negative ({value})", e.Message);
    }

    [Fact]
    public void Parse_NegativeCallLatency_NamesTheCallsField()
    {
        string json = Wrap(Search, """[[{"call": "search", "latencyMs": -2}], [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal("my-agent.json: $.turns[0][0].latencyMs: latency must not be negative (-2 ms)", e.Message);
    }

    [Fact]
    public void Load_FileOnDisk_MessageNamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"toolflow-scenario-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, Wrap(Search, """[[{"call": "nope"}], [{"text": "done"}]]"""));
        try
        {
            ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

            Assert.StartsWith($"{path}: $.turns[0][0].call: unknown tool 'nope'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void Load_ShippedScenarios_AllLoadAndCoverTheRequiredShapes()
    {
        string dir = ShippedScenarios.Directory;
        Scenario[] scenarios = [.. Directory.GetFiles(dir, "*.json").Select(ScenarioLoader.Load)];

        Assert.True(scenarios.Length >= 9);
        Assert.Contains(scenarios, s => s.IsPlan);
        Assert.Contains(scenarios, s => s.Conversations.Count >= 3);
        Assert.Contains(scenarios, s => s.Conversations[0].Turns.Count >= 6);
        Assert.Contains(scenarios, s => s.Conversations[0].Turns[0].Calls.Count() >= 8);
        Assert.Contains(scenarios, s => s.Tools.Values.Any(t => t.MaxRetries > 0 && t.FailureProbability > 0));
        Assert.Contains(scenarios, s => s.Tools.Values.Any(t => t.Latency.Kind == LatencyKind.LogNormal && t.Latency.TailProbability > 0));
    }
}
