using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolHintsTests
{
    [Theory]
    [InlineData(ToolEffects.ReadOnly)]
    [InlineData(ToolEffects.Idempotent)]
    [InlineData(ToolEffects.SideEffecting)]
    public void For_EachEffect_FunctionMadeWithThemReadsBackAsThatEffect(ToolEffects effects)
    {
        AIFunction function = AIFunctionFactory.Create((string q) => q, new AIFunctionFactoryOptions { Name = "tool", AdditionalProperties = ToolHints.For(effects) });

        Assert.Equal(effects, ToolDescriptor.FromMetadata(function).Effects);
    }

    [Fact]
    public void Presets_SayOnlyWhatEachEffectMeans()
    {
        Assert.Equal(new Dictionary<string, object?> { ["readOnlyHint"] = true }, ToolHints.ReadOnly);
        Assert.Equal(new Dictionary<string, object?> { ["readOnlyHint"] = false, ["idempotentHint"] = true }, ToolHints.Idempotent);
        Assert.Equal(new Dictionary<string, object?> { ["readOnlyHint"] = false, ["idempotentHint"] = false }, ToolHints.SideEffecting);
    }

    [Fact]
    public void ReadOnly_CopiedWithOtherProperties_StillReadOnly()
    {
        var properties = new Dictionary<string, object?>(ToolHints.ReadOnly) { ["owner"] = "ops" };
        AIFunction function = AIFunctionFactory.Create((string q) => q, new AIFunctionFactoryOptions { Name = "tool", AdditionalProperties = properties });

        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(function).Effects);
        Assert.Equal("ops", function.AdditionalProperties["owner"]);
    }

    [Fact]
    public void For_UndefinedEffects_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ToolHints.For((ToolEffects)42));
    }
}
