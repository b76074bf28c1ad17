using ToolFlow.Providers.Scripted;
using ToolFlow.Tokenizers;

namespace ToolFlow.Profiling.Tests;

/// <summary>The model's <c>tokenizer</c> field: which real tokens a scenario streams, and so its decode times.</summary>
public sealed partial class ScenarioLoaderTests
{
    private const string Answer = "Yes: both Scott Derrickson and Ed Wood are American, so they share a nationality.";

    private const string TokenizerTurns = """
        [[{"text": "Looking it up. "}, {"call": "search", "id": "a", "arguments": {"query": "Scott Derrickson nationality"}}, {"text": " Then I compare."}],
         [{"text": "Yes: both Scott Derrickson and Ed Wood are American, so they share a nationality."}]]
        """;

    private static string WithTokenizer(string? tokenizer) =>
        $$"""{"model": {"timeToFirstTokenMs": 100, "tokensPerSecond": 50{{(tokenizer is null ? string.Empty : ", \"tokenizer\": " + tokenizer)}}}, "tools": {{{Search}}}, "turns": {{TokenizerTurns}}}""";

    [Theory]
    [InlineData(null, "o200k_base")]
    [InlineData("\"o200k_base\"", "o200k_base")]
    [InlineData("\"cl100k_base\"", "cl100k_base")]
    [InlineData("\"CL100K\"", "cl100k_base")]
    public void Parse_ModelTokenizer_NamesTheTokenizerTheModelStreamsIn(string? field, string expected)
    {
        Scenario scenario = ScenarioLoader.Parse(WithTokenizer(field), File);

        Assert.Equal(expected, scenario.Model.Tokenizer.Name);
        Assert.Same(TiktokenCounter.FromName(expected), ScenarioRendering.ModelOptions(scenario, TimeProvider.System).Tokenizer);
    }

    [Theory]
    [InlineData("\"gpt2\"", "unknown tokenizer 'gpt2'; the tokenizers are: o200k_base, cl100k_base")]
    [InlineData("\"\"", "unknown tokenizer ''; the tokenizers are: o200k_base, cl100k_base")]
    [InlineData("200", "expected a string")]
    public void Parse_BadTokenizer_NamesTheFileTheFieldAndTheKnownTokenizers(string field, string problem)
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(WithTokenizer(field), File));

        Assert.Equal($"my-agent.json: $.model.tokenizer: {problem}", e.Message);
        Assert.Equal("$.model.tokenizer", e.FieldPath);
    }

    [Theory]
    [InlineData("o200k_base")]
    [InlineData("cl100k_base")]
    public void TurnPlans_Tokenizer_DecodeTimesAreTheTokenizersCountsAtTheDecodeSpeed(string name)
    {
        Scenario scenario = ScenarioLoader.Parse(WithTokenizer($"\"{name}\""), File);
        TiktokenCounter tokenizer = TiktokenCounter.FromName(name);
        IReadOnlyList<TurnPlan> plans = ScenarioRendering.TurnPlans(scenario, 0, ScenarioRealization.Sample(scenario, 1));

        // Turn 1: the text, the call's header (one token), its arguments (closing the call), then the rest of the text.
        ScriptedSegment call = ScenarioRendering.Response(scenario.Conversations[0], scenario.Conversations[0].Turns[0]).Segments.Single(s => s.IsCall);
        int closes = tokenizer.CountTokens("Looking it up. ") + 1 + tokenizer.CountTokens(call.ArgumentsJson);
        int turn1 = closes + tokenizer.CountTokens(" Then I compare.");
        Assert.Equal(TimeSpan.FromMilliseconds(100 + (20 * (closes - 1))), Assert.Single(plans[0].Calls).Closed);
        Assert.Equal(TimeSpan.FromMilliseconds(100 + (20 * (turn1 - 1))), plans[0].Decode);

        // Turn 2, text only: 50 tokens a second is 20 ms a token after the first.
        Assert.Equal(TimeSpan.FromMilliseconds(100 + (20 * (tokenizer.CountTokens(Answer) - 1))), plans[1].Decode);
    }

    [Fact]
    public void TurnPlans_SameScenarioInTwoTokenizers_DecodeTimesFollowEachCount()
    {
        // A text both vocabularies cut differently: o200k_base (a larger vocabulary) needs fewer tokens for it.
        const string text = "Überprüfung der Verfügbarkeit: 東京の天気は晴れです。";
        string Json(string name) => $$"""{"model": {"timeToFirstTokenMs": 0, "tokensPerSecond": 1000, "tokenizer": "{{name}}"}, "tools": {}, "turns": [[{"text": "{{text}}"}]]}""";

        TimeSpan o200k = ScenarioRendering.TurnPlans(ScenarioLoader.Parse(Json("o200k_base"), File), 0, ScenarioRealization.Sample(ScenarioLoader.Parse(Json("o200k_base"), File), 1))[0].Decode;
        TimeSpan cl100k = ScenarioRendering.TurnPlans(ScenarioLoader.Parse(Json("cl100k_base"), File), 0, ScenarioRealization.Sample(ScenarioLoader.Parse(Json("cl100k_base"), File), 1))[0].Decode;

        Assert.Equal(TimeSpan.FromMilliseconds(TiktokenCounter.O200kBase.CountTokens(text) - 1), o200k);
        Assert.Equal(TimeSpan.FromMilliseconds(TiktokenCounter.Cl100kBase.CountTokens(text) - 1), cl100k);
        Assert.True(o200k < cl100k, $"o200k_base {o200k.TotalMilliseconds} ms, cl100k_base {cl100k.TotalMilliseconds} ms");
    }
}
