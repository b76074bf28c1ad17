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
}
