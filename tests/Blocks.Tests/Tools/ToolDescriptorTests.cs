using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolDescriptorTests
{
    [ToolEffects(ToolEffects.ReadOnly)]
    private static string Lookup(string query) => query;

    [ToolEffects(ToolEffects.Idempotent)]
    private static string Put(string key) => key;

    private static string Send(string to) => to;

    private static AIFunction WithProperties(IReadOnlyDictionary<string, object?> properties) =>
        AIFunctionFactory.Create(Send, new AIFunctionFactoryOptions { Name = "tool", AdditionalProperties = properties });

    [Fact]
    public void FromMetadata_NoMetadata_SideEffecting()
    {
        Assert.Equal(ToolEffects.SideEffecting, ToolDescriptor.FromMetadata(AIFunctionFactory.Create(Send)).Effects);
    }

    [Theory]
    [InlineData(true, null, null, ToolEffects.ReadOnly)]
    [InlineData(true, false, false, ToolEffects.ReadOnly)]
    [InlineData(false, true, null, ToolEffects.Idempotent)]
    [InlineData(null, true, true, ToolEffects.Idempotent)]
    [InlineData(false, false, null, ToolEffects.SideEffecting)]
    [InlineData(null, null, false, ToolEffects.SideEffecting)]
    public void FromMetadata_BoolHintsInAdditionalProperties_MapAsFromHints(bool? readOnly, bool? idempotent, bool? destructive, ToolEffects expected)
    {
        var properties = new Dictionary<string, object?>();
        Add(properties, ToolHints.ReadOnlyHint, readOnly);
        Add(properties, ToolHints.IdempotentHint, idempotent);
        Add(properties, ToolHints.DestructiveHint, destructive);
        AIFunction function = WithProperties(properties);

        Assert.Equal(expected, ToolDescriptor.FromMetadata(function).Effects);
        Assert.Equal(expected, ToolDescriptor.FromHints(function, readOnly, idempotent, destructive).Effects);

        static void Add(Dictionary<string, object?> properties, string key, bool? value)
        {
            if (value is { } v)
            {
                properties[key] = v;
            }
        }
    }

    [Fact]
    public void FromMetadata_JsonHints_ReadLikeBools()
    {
        // Metadata that went through JSON (a config file, a server's tool list) holds JsonElement or JsonNode values.
        using JsonDocument document = JsonDocument.Parse("""{"readOnlyHint": false, "idempotentHint": true}""");
        var fromElements = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        var fromNodes = new Dictionary<string, object?> { [ToolHints.ReadOnlyHint] = JsonValue.Create(true) };

        Assert.Equal(ToolEffects.Idempotent, ToolDescriptor.FromMetadata(WithProperties(fromElements)).Effects);
        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(WithProperties(fromNodes)).Effects);
    }

    [Fact]
    public void FromMetadata_HintsOfAnyOtherValue_CountAsAbsent()
    {
        using JsonDocument document = JsonDocument.Parse("""{"s": "true", "n": 1, "z": null}""");
        object?[] bad = ["true", 1, null, document.RootElement.GetProperty("s").Clone(), document.RootElement.GetProperty("n").Clone(), document.RootElement.GetProperty("z").Clone(), JsonValue.Create("true")];

        Assert.All(bad, value =>
            Assert.Equal(ToolEffects.SideEffecting, ToolDescriptor.FromMetadata(WithProperties(new Dictionary<string, object?> { [ToolHints.ReadOnlyHint] = value })).Effects));

        // A bad hint next to a good one: the good one still counts.
        var mixed = new Dictionary<string, object?> { [ToolHints.ReadOnlyHint] = "yes", [ToolHints.IdempotentHint] = true };
        Assert.Equal(ToolEffects.Idempotent, ToolDescriptor.FromMetadata(WithProperties(mixed)).Effects);
    }

    [Fact]
    public void FromMetadata_KeysOfAnotherCase_AreNotHints()
    {
        var properties = new Dictionary<string, object?> { ["ReadOnlyHint"] = true, ["readonlyhint"] = true };

        Assert.Equal(ToolEffects.SideEffecting, ToolDescriptor.FromMetadata(WithProperties(properties)).Effects);
    }

    [Fact]
    public void FromMetadata_ReadOnlyAndDestructive_ReadOnlyClaimIsNotBelieved()
    {
        var conflicting = new Dictionary<string, object?> { [ToolHints.ReadOnlyHint] = true, [ToolHints.DestructiveHint] = true };
        var idempotentToo = new Dictionary<string, object?> { [ToolHints.ReadOnlyHint] = true, [ToolHints.IdempotentHint] = true, [ToolHints.DestructiveHint] = true };

        Assert.Equal(ToolEffects.SideEffecting, ToolDescriptor.FromMetadata(WithProperties(conflicting)).Effects);
        Assert.Equal(ToolEffects.Idempotent, ToolDescriptor.FromMetadata(WithProperties(idempotentToo)).Effects);
        Assert.Equal(ToolEffects.SideEffecting, ToolDescriptor.FromHints(WithProperties(conflicting), true, null, true).Effects);
    }

    [Fact]
    public void FromMetadata_AttributeOnTheMethod_GivesItsEffects()
    {
        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(AIFunctionFactory.Create(Lookup)).Effects);
        Assert.Equal(ToolEffects.Idempotent, ToolDescriptor.FromMetadata(AIFunctionFactory.Create(Put)).Effects);
    }

    [Fact]
    public void FromMetadata_AttributeOnALambda_GivesItsEffects()
    {
        AIFunction function = AIFunctionFactory.Create([ToolEffects(ToolEffects.ReadOnly)] (string city) => city, "weather");

        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(function).Effects);
    }

    [Fact]
    public void FromMetadata_HintsAndAttribute_TheFunctionsOwnHintsWin()
    {
        // The hints are given where this one function is made; the attribute is shared by every function of the method.
        AIFunction function = AIFunctionFactory.Create(Lookup, new AIFunctionFactoryOptions { AdditionalProperties = ToolHints.SideEffecting });

        Assert.Equal(ToolEffects.SideEffecting, ToolDescriptor.FromMetadata(function).Effects);
    }

    [Fact]
    public void FromMetadata_OnlyBadHintsAndAnAttribute_TheAttributeDecides()
    {
        AIFunction function = AIFunctionFactory.Create(Lookup, new AIFunctionFactoryOptions
        {
            AdditionalProperties = new Dictionary<string, object?> { [ToolHints.ReadOnlyHint] = "no", ["owner"] = "ops" },
        });

        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(function).Effects);
    }

    [Fact]
    public void FromMetadata_ThroughADelegatingFunction_ReadsTheInnerFunctionsMetadata()
    {
        var wrapped = new Wrapper(AIFunctionFactory.Create(Lookup));
        var hinted = new Wrapper(AIFunctionFactory.Create(Send, new AIFunctionFactoryOptions { AdditionalProperties = ToolHints.Idempotent }));

        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(wrapped).Effects);
        Assert.Equal(ToolEffects.Idempotent, ToolDescriptor.FromMetadata(hinted).Effects);
    }

    [Fact]
    public void FromMetadata_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => ToolDescriptor.FromMetadata(null!));
    }

    [Fact]
    public void ToolEffectsAttribute_UndefinedEffects_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolEffectsAttribute((ToolEffects)42));
    }

    private sealed class Wrapper(AIFunction inner) : DelegatingAIFunction(inner);
}
