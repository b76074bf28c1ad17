using ToolFlow.Profiling;

namespace ToolFlow.Profiling.Tests;

public sealed partial class ScenarioLoaderTests
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
    [InlineData("""{"kind": "fixed", "ms": -5}""", "$.tools.search.latency.ms", "-5")]
    [InlineData("""{"kind": "uniform", "minMs": -1, "maxMs": 10}""", "$.tools.search.latency.minMs", "-1")]
    [InlineData("""{"kind": "lognormal", "medianMs": -300, "sigma": 0.5}""", "$.tools.search.latency.medianMs", "-300")]
    [InlineData("""{"kind": "fixed", "ms": 1e300}""", "$.tools.search.latency.ms", "1E+300")]
    [InlineData("""{"kind": "fixed", "ms": 86400001}""", "$.tools.search.latency.ms", "86400001")]
    public void Parse_LatencyOutsideZeroToOneDay_NamesTheFileTheFieldAndTheRange(string latency, string field, string value)
    {
        string json = Wrap($$""" "search": {"latency": {{latency}}} """, """[[{"call": "search"}], [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal($"my-agent.json: {field}: a time in milliseconds is from 0 to 86400000 ({value})", e.Message);
    }

    [Theory]
    [InlineData("""{"model": {"tokensPerSecond": 0}}""", "$.model.tokensPerSecond", "the decode speed must be above 0 and at most 1000000 tokens per second (0)")]
    [InlineData("""{"model": {"tokensPerSecond": 1e300}}""", "$.model.tokensPerSecond", "the decode speed must be above 0 and at most 1000000 tokens per second (1E+300)")]
    [InlineData("""{"model": {"tokensPerSecond": 50, "timeToFirstTokenMs": -1}}""", "$.model.timeToFirstTokenMs", "a time in milliseconds is from 0 to 86400000 (-1)")]
    [InlineData("""{"model": {"tokensPerSecond": 1e400}}""", "$.model.tokensPerSecond", "the number 1e400 is out of range")]
    [InlineData("""{"model": {"tokensPerSecond": "NaN"}}""", "$.model.tokensPerSecond", "expected a number")]
    [InlineData("""{"search": {"latency": {"ms": 1}, "failures": {"probability": -0.1}}}""", "$.tools.search.failures.probability", "a probability is from 0 to 1 (-0.1)")]
    [InlineData("""{"search": {"latency": {"ms": 1}, "failures": {"probability": 2}}}""", "$.tools.search.failures.probability", "a probability is from 0 to 1 (2)")]
    [InlineData("""{"search": {"latency": {"ms": 1, "tailProbability": 1.5}}}""", "$.tools.search.latency.tailProbability", "a probability is from 0 to 1 (1.5)")]
    [InlineData("""{"search": {"latency": {"ms": 1, "tailFactor": 1e300}}}""", "$.tools.search.latency.tailFactor", "a latency multiplier is from 1 to 1000 (1E+300)")]
    [InlineData("""{"search": {"latency": {"kind": "lognormal", "medianMs": 5, "sigma": -1}}}""", "$.tools.search.latency.sigma", "a spread is from 0 to 1000 (-1)")]
    [InlineData("""{"search": {"latency": {"ms": 1}, "retry": {"maxRetries": -3}}}""", "$.tools.search.retry.maxRetries", "a count is from 0 to 1000 (-3)")]
    [InlineData("""{"search": {"latency": {"ms": 1}, "retry": {"maxRetries": 1e300}}}""", "$.tools.search.retry.maxRetries", "a count is from 0 to 1000 (1E+300)")]
    [InlineData("""{"search": {"latency": {"ms": 1}, "retry": {"maxRetries": 1.5}}}""", "$.tools.search.retry.maxRetries", "a count is a whole number (1.5)")]
    [InlineData("""{"search": {"latency": {"ms": 1}, "retry": {"baseDelayMs": -100}}}""", "$.tools.search.retry.baseDelayMs", "a time in milliseconds is from 0 to 86400000 (-100)")]
    [InlineData("""{"turns": [[{"call": "search", "failAttempts": -1}], [{"text": "done"}]]}""", "$.turns[0][0].failAttempts", "a count is from 0 to 1000 (-1)")]
    [InlineData("""{"turns": [[{"call": "search", "latencyMs": 1e300}], [{"text": "done"}]]}""", "$.turns[0][0].latencyMs", "a time in milliseconds is from 0 to 86400000 (1E+300)")]
    [InlineData("""{"conversations": [{"startMs": -5, "turns": [[{"text": "done"}]]}]}""", "$.conversations[0].startMs", "a time in milliseconds is from 0 to 86400000 (-5)")]
    public void Parse_NumberOutsideItsRange_NamesTheFieldAndTheAllowedRange(string part, string field, string problem)
    {
        // The part replaces the model, the tools or the turns of a valid scenario.
        var root = System.Text.Json.Nodes.JsonNode.Parse(Wrap(Search, """[[{"call": "search"}], [{"text": "done"}]]"""))!.AsObject();
        foreach ((string key, System.Text.Json.Nodes.JsonNode? value) in System.Text.Json.Nodes.JsonNode.Parse(part)!.AsObject())
        {
            if (key == "conversations")
            {
                root.Remove("turns");
            }

            root[key] = key == "search" ? null : value?.DeepClone();
            if (key == "search")
            {
                root["tools"] = new System.Text.Json.Nodes.JsonObject { ["search"] = value?.DeepClone() };
            }
        }

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(root.ToJsonString(), File));

        Assert.Equal($"my-agent.json: {field}: {problem}", e.Message);
        Assert.Equal(field, e.FieldPath);
    }

    [Fact]
    public void Parse_MoreCallsThanTheLimit_NamesTheLimit()
    {
        string calls = string.Join(", ", Enumerable.Repeat("""{"call": "search"}""", ScenarioLoader.MaxItems + 1));
        string json = Wrap(Search, $$"""[[{{calls}}], [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal($"my-agent.json: $.turns[0][{ScenarioLoader.MaxItems}]: a conversation has at most 10000 calls", e.Message);
    }

    [Fact]
    public void Parse_DependencyNamedAsAFutureAndInDependsOn_IsAcceptedOnce()
    {
        string json = Wrap(Search, """
            [[{"call": "search", "id": "a"},
              {"call": "search", "id": "b", "arguments": {"q": {"$future": "a"}}, "dependsOn": ["a", "a"]}],
             [{"text": "done"}]]
            """);

        Scenario scenario = ScenarioLoader.Parse(json, File);

        Assert.Equal(["a"], scenario.Conversations[0].Turns[0].Calls.Single(c => c.Id == "b").DependsOn);
    }

    [Fact]
    public void Load_InvalidUtf8_NamesTheFileAndTheByte()
    {
        string path = Path.Combine(Path.GetTempPath(), $"toolflow-scenario-{Guid.NewGuid():N}.json");
        byte[] valid = System.Text.Encoding.UTF8.GetBytes(Wrap(Search, """[[{"call": "search", "arguments": {"q": "caf?"}}], [{"text": "done"}]]"""));
        int at = Array.IndexOf(valid, (byte)'?');
        valid[at] = 0xE9; // Latin-1 é
        System.IO.File.WriteAllBytes(path, valid);
        try
        {
            ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

            Assert.Equal($"{path}: not valid UTF-8 at byte {at}; save the file as UTF-8.", e.Message);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void Parse_NegativeCallLatency_NamesTheCallsField()
    {
        string json = Wrap(Search, """[[{"call": "search", "latencyMs": -2}], [{"text": "done"}]]""");

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, File));

        Assert.Equal("my-agent.json: $.turns[0][0].latencyMs: a time in milliseconds is from 0 to 86400000 (-2)", e.Message);
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
