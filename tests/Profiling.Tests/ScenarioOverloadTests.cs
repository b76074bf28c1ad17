namespace ToolFlow.Profiling.Tests;

/// <summary>The <c>overload</c> field of a scenario tool: read, defaulted, and every bad value named with its JSON path.</summary>
public sealed class ScenarioOverloadTests
{
    private static string WithOverload(string overload) =>
        """{"model": {"tokensPerSecond": 100}, "tools": {"search": {"latency": {"ms": 100}, "overload": """ + overload + """}}, "turns": [[{"call": "search"}], [{"text": "done"}]]}""";

    [Fact]
    public void Parse_Overload_ReadsCapacityGrowthAndRetryAfter()
    {
        Scenario scenario = ScenarioLoader.Parse(WithOverload("""{"capacity": 8, "growth": 0.1, "retryAfterMs": 250}"""), "o.json");

        Assert.Equal(new ScenarioOverload(8, 0.1, TimeSpan.FromMilliseconds(250)), scenario.Tools["search"].Overload);
        Assert.True(scenario.HasOverload);
    }

    [Fact]
    public void Parse_OverloadWithCapacityOnly_NoGrowthAndRetryAfter200Ms()
    {
        Scenario scenario = ScenarioLoader.Parse(WithOverload("""{"capacity": 3}"""), "o.json");

        Assert.Equal(new ScenarioOverload(3, 0, TimeSpan.FromMilliseconds(200)), scenario.Tools["search"].Overload);
    }

    [Fact]
    public void Parse_NoOverload_ToolHasNone()
    {
        Scenario scenario = ShippedScenarios.Load("straggler");

        Assert.False(scenario.HasOverload);
        Assert.All(scenario.Tools.Values, t => Assert.Null(t.Overload));
    }

    [Theory]
    [InlineData("""{"growth": 0.1}""", "$.tools.search.overload.capacity", "is required")]
    [InlineData("""{"capacity": 0}""", "$.tools.search.overload.capacity", "a capacity is at least 1 (0)")]
    [InlineData("""{"capacity": 2.5}""", "$.tools.search.overload.capacity", "a count is a whole number (2.5)")]
    [InlineData("""{"capacity": 5000}""", "$.tools.search.overload.capacity", "a count is from 0 to 1000 (5000)")]
    [InlineData("""{"capacity": "8"}""", "$.tools.search.overload.capacity", "expected a number")]
    [InlineData("""{"capacity": 8, "growth": -0.1}""", "$.tools.search.overload.growth", "a growth per extra call is from 0 to 1000 (-0.1)")]
    [InlineData("""{"capacity": 8, "retryAfterMs": -1}""", "$.tools.search.overload.retryAfterMs", "a time in milliseconds is from 0 to 86400000 (-1)")]
    [InlineData("8", "$.tools.search.overload", "an overload is a JSON object")]
    public void Parse_BadOverload_NamesTheFieldAndTheProblem(string overload, string field, string problem)
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(WithOverload(overload), "o.json"));

        Assert.Equal($"o.json: {field}: {problem}", e.Message);
        Assert.Equal(field, e.FieldPath);
    }

    [Fact]
    public void Load_ShippedOverloadScenarios_200CallsOfOneOverloadableTool()
    {
        foreach ((string name, int capacity) in new[] { ("overloaded-search", 8), ("overloaded-search-wide", 32) })
        {
            Scenario scenario = ShippedScenarios.Load(name);
            Assert.Equal(capacity, scenario.Tools["search"].Overload!.Capacity);
            Assert.Equal(200, scenario.Conversations[0].Turns[0].Calls.Count());
        }
    }
}
