using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.StreamParsers;

namespace ToolFlow.Pipeline.Tests;

public sealed class ToolPipelineBuilderTests
{
    private static readonly ScriptedChatClient s_model = new([new ScriptedResponse().Text("Hi.")]);

    [Fact]
    public void WithXxx_BlockSettings_LandInTheBlockOptionsThePipelineHolds()
    {
        ToolPipelineOptions? seen = null;
        Func<ToolCallParserOptions, ToolCallTextParser> parser = static o => throw new InvalidOperationException("Not called.");
        ToolPipeline.CreateBuilder(s_model)
            .WithMaxConcurrency(8)
            .WithDispatchTiming(ToolDispatchTiming.AfterResponse)
            .WithTextParser(parser)
            .Configure(o => seen = o);

        Assert.NotNull(seen);
        Assert.Equal(8, seen.Execution.MaxConcurrency);
        Assert.Equal(ToolDispatchTiming.AfterResponse, seen.Execution.DispatchTiming);
        Assert.Same(parser, seen.Parsing.TextParserFactory);
    }

    [Fact]
    public void Build_OptionsChangedAfterwards_BuiltPipelineKeepsItsCopy()
    {
        ToolPipelineOptions? seen = null;
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(s_model).WithMaxConcurrency(4).Configure(o => seen = o);
        ToolPipeline pipeline = builder.Build();

        seen!.Execution.MaxConcurrency = 2;
        seen.Parsing.ParserOptions = new ToolCallParserOptions { MaxCallsPerResponse = 1 };

        Assert.Equal(4, pipeline.Options.Execution.MaxConcurrency);
        Assert.Same(ToolCallParserOptions.Default, pipeline.Options.Parsing.ParserOptions);
        Assert.NotSame(seen.Execution, pipeline.Options.Execution);
    }

    [Fact]
    public void Build_PlanMode_ReadsPlansAndPlanReferencesWithoutChangingTheBuilder()
    {
        ToolPipelineOptions? seen = null;
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(s_model).WithMode(ToolPipelineMode.Plan).Configure(o => seen = o).Build();

        // Named, not typed: the per-model parsers are internal to their assembly.
        Assert.Equal("LlmCompilerToolCallParser", pipeline.Options.Parsing.TextParserFactory(ToolCallParserOptions.Default).GetType().Name);
        Assert.True(pipeline.Options.Execution.ReferenceSyntax.HasFlag(ToolReferenceSyntax.PlanSteps));
        Assert.False(seen!.Execution.ReferenceSyntax.HasFlag(ToolReferenceSyntax.PlanSteps));
    }

    [Fact]
    public void Build_PlanModeWithATextParserOfItsOwn_KeepsThatParser()
    {
        Func<ToolCallParserOptions, ToolCallTextParser> parser = static o => throw new InvalidOperationException("Not called.");
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(s_model).WithMode(ToolPipelineMode.Plan).WithTextParser(parser).Build();

        Assert.Same(parser, pipeline.Options.Parsing.TextParserFactory);
    }

    [Fact]
    public void WithMaxConcurrency_Zero_ThrowsWhereItIsSet()
    {
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(s_model);

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.WithMaxConcurrency(0));
    }

    [ToolEffects(ToolEffects.ReadOnly)]
    private static string Lookup(string query) => query;

    [Fact]
    public void AddTool_FunctionWithMetadata_TakesItsEffects()
    {
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(s_model)
            .AddTool(AIFunctionFactory.Create(Lookup, "attributed"))
            .AddTool(AIFunctionFactory.Create((string q) => q, new AIFunctionFactoryOptions { Name = "hinted", AdditionalProperties = ToolHints.Idempotent }))
            .AddTool(AIFunctionFactory.Create((string q) => q, "plain"))
            .Build();

        Assert.Equal([ToolEffects.ReadOnly, ToolEffects.Idempotent, ToolEffects.SideEffecting], pipeline.Tools.Select(t => t.Effects));
    }

    [Fact]
    public void AddTools_WithoutEffects_EachTakesItsMetadata_WithEffects_TheCallersWin()
    {
        AIFunction[] tools = [AIFunctionFactory.Create(Lookup, "attributed"), AIFunctionFactory.Create((string q) => q, "plain")];

        ToolPipeline byMetadata = ToolPipeline.CreateBuilder(s_model).AddTools(tools).Build();
        ToolPipeline byCaller = ToolPipeline.CreateBuilder(s_model).AddTools(tools, ToolEffects.SideEffecting).Build();
        ToolPipeline one = ToolPipeline.CreateBuilder(s_model).AddTool(tools[0], ToolEffects.Idempotent).Build();

        Assert.Equal([ToolEffects.ReadOnly, ToolEffects.SideEffecting], byMetadata.Tools.Select(t => t.Effects));
        Assert.Equal([ToolEffects.SideEffecting, ToolEffects.SideEffecting], byCaller.Tools.Select(t => t.Effects));
        Assert.Equal(ToolEffects.Idempotent, Assert.Single(one.Tools).Effects);
    }
}
