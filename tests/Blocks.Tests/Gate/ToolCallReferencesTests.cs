using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolCallReferencesTests
{
    private static Dictionary<string, object?> Arguments(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }

    private static string[] Find(string json, ToolReferenceSyntax syntax) =>
        [.. ToolCallReferences.Find(Arguments(json), syntax).Select(r => $"{r.Syntax}:{r.Target}{r.Path}")];

    [Fact]
    public void Find_NoReferences_IsEmpty()
    {
        Assert.Empty(Find("""{"q": "costs 5 dollars", "n": [1, {"a": null}], "f": {"$future": 1}}""", ToolReferenceSyntax.Futures | ToolReferenceSyntax.PlanSteps));
        Assert.Empty(Find("""{"q": "$1", "f": {"$future": "call_1"}}""", ToolReferenceSyntax.None));
    }

    [Fact]
    public void Find_ReferencesAtAnyDepth_InDocumentOrder()
    {
        Assert.Equal(
            ["Futures:call_1", "Futures:call_2"],
            Find("""{"a": {"$future": "call_1"}, "b": [{"x": {"$future": "call_2"}}], "c": {"$future": "call_3", "other": 1}}""", ToolReferenceSyntax.Futures));
        Assert.Equal(["PlanSteps:1", "PlanSteps:2"], Find("""{"x": "$1 and ${2}", "y": ["$1.5"]}""", ToolReferenceSyntax.PlanSteps));
        Assert.Equal(["NestfulVariables:var1.data[0].Exchange Rate"], Find("""{"x": "5 * $var1.data[0].Exchange Rate$"}""", ToolReferenceSyntax.NestfulVariables));
    }

    [Fact]
    public void Find_EscapedDollarOrName_IsStillAReference()
    {
        // The JSON text may spell '$' as an escape: the value, not the text, is what counts.
        Assert.Equal(["PlanSteps:1"], Find("""{"x": "\u00241"}""", ToolReferenceSyntax.PlanSteps));
        Assert.Equal(["Futures:call_1"], Find("""{"x": {"\u0024future": "call_1"}}""", ToolReferenceSyntax.Futures));
    }

    [Fact]
    public void Find_ValuesThatAreNotJsonElements_AreRead()
    {
        var arguments = new Dictionary<string, object?>
        {
            ["node"] = JsonNode.Parse("""{"$future": "call_1"}"""),
            ["text"] = "$2",
            ["none"] = null,
        };

        Assert.Equal(
            ["Futures:call_1", "PlanSteps:2"],
            ToolCallReferences.Find(arguments, ToolReferenceSyntax.Futures | ToolReferenceSyntax.PlanSteps).Select(r => $"{r.Syntax}:{r.Target}"));
    }
}
