using System.Text.Json;

namespace ToolFlow.Blocks.Tests;

public sealed class CanonicalJsonTests
{
    private static Dictionary<string, object?> Arguments(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }

    [Theory]
    [InlineData("""{"q": "x", "n": {"a": 1, "b": [true, null]}}""", """{"n": {"b": [true, null], "a": 1}, "q": "\u0078"}""")]
    [InlineData("{}", "{ }")]
    [InlineData("""{"k\u00e9": "caf\u00e9"}""", """{"ké": "café"}""")]
    public void HashAndEqual_SameArgumentsWrittenDifferently_Agree(string a, string b)
    {
        Assert.Equal(CanonicalJson.Hash(Arguments(a)), CanonicalJson.Hash(Arguments(b)));
        Assert.True(CanonicalJson.Equal(Arguments(a), Arguments(b)));
    }

    [Theory]
    [InlineData("""{"q": "x"}""", """{"q": "y"}""")]
    [InlineData("""{"n": 1}""", """{"n": 1.0}""")]
    [InlineData("""{"a": [1, 2]}""", """{"a": [2, 1]}""")]
    [InlineData("""{"a": 1}""", """{"a": 1, "b": null}""")]
    public void Equal_DifferentArguments_IsFalse(string a, string b)
    {
        Assert.False(CanonicalJson.Equal(Arguments(a), Arguments(b)));
        Assert.NotEqual(CanonicalJson.Hash(Arguments(a)), CanonicalJson.Hash(Arguments(b)));
    }

    [Fact]
    public void Equal_ArgumentsLargerThanTheKeptBuffer_AreComparedWhole()
    {
        // Past the per-thread buffer's kept size the canonical form is copied out and the buffer let go.
        string big = new('x', 40_000);
        Dictionary<string, object?> a = Arguments($$"""{"text": "{{big}}", "n": 1}"""), same = Arguments($$"""{"n": 1, "text": "{{big}}"}""");
        Dictionary<string, object?> other = Arguments($$"""{"n": 1, "text": "{{big}}y"}""");

        Assert.True(CanonicalJson.Equal(a, same));
        Assert.False(CanonicalJson.Equal(a, other));
        Assert.Equal(CanonicalJson.Hash(a), CanonicalJson.Hash(same));
        Assert.True(CanonicalJson.Equal(Arguments("""{"n": 2}"""), Arguments("""{"n": 2}""")));
    }

    [Fact]
    public void Hash_ValuesThatAreNotJsonElements_AreSerializedFirst()
    {
        var typed = new Dictionary<string, object?> { ["n"] = 1, ["tags"] = new[] { "a", "b" } };

        Assert.True(CanonicalJson.Equal(typed, Arguments("""{"tags": ["a", "b"], "n": 1}""")));
    }
}
