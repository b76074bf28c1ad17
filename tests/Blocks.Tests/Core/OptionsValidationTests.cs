using Microsoft.Extensions.AI;
using ToolFlow.Testing;

namespace ToolFlow.Blocks.Tests;

/// <summary>The shared checks, through every setter that uses them: each rejects the same values the same way.</summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action<int>> Caps => new()
    {
        { "ToolExecutionBlockOptions.MaxConcurrency", v => _ = new ToolExecutionBlockOptions { MaxConcurrency = v } },
        { "ToolExecutorOptions.MaxConcurrency", v => _ = new ToolExecutorOptions { MaxConcurrency = v } },
        { "ToolDescriptor.MaxConcurrency", v => _ = new ToolDescriptor(AIFunctionFactory.Create(() => 0, "t")) { MaxConcurrency = v } },
    };

    [Theory]
    [MemberData(nameof(Caps))]
    public void CapOrUnbounded_EverySetter_TakesPositiveOrUnboundedAndRejectsTheRest(string setter, Action<int> set)
    {
        set(1);
        set(int.MaxValue);
        set(-1);

        foreach (int value in new[] { 0, -2, int.MinValue })
        {
            ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => set(value));
            Assert.True(e.ParamName == "value", $"{setter} = {value}: {e.ParamName}");
        }
    }

    [Fact]
    public void NotNull_EverySetter_RejectsNullNamingTheValue()
    {
        Action[] sets =
        [
            () => _ = new ToolBlockOptions { TimeProvider = null! },
            () => _ = new ToolBlockOptions { TaskScheduler = null! },
            () => _ = new ToolExecutorOptions { TimeProvider = null! },
            () => _ = new ToolExecutorOptions { TaskScheduler = null! },
            () => _ = new ToolCallParserBlockOptions { TextParserFactory = null! },
            () => _ = new ToolCallParserBlockOptions { ParserOptions = null! },
        ];

        Assert.All(sets, set => Assert.Equal("value", Assert.Throws<ArgumentNullException>(set).ParamName));
    }

    [Fact]
    public void Defined_UndefinedEnum_RejectedNamingTheArgument()
    {
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => new ToolExecutionBlockOptions { DispatchTiming = (ToolDispatchTiming)7 }).ParamName);
        Assert.Equal("effects", Assert.Throws<ArgumentOutOfRangeException>(() => new ToolDescriptor(AIFunctionFactory.Create(() => 0, "t"), (ToolEffects)9)).ParamName);
    }

    [Fact]
    public void Clone_EverySetting_CopiedIntoASeparateObject()
    {
        var executor = new ToolExecutor();
        ToolApprovalHandler approver = static (_, _) => ValueTask.FromResult(true);
        using var cancellation = new CancellationTokenSource();
        var options = new ToolExecutionBlockOptions
        {
            MaxConcurrency = 3,
            DispatchTiming = ToolDispatchTiming.AfterResponse,
            IncludeDetailedErrors = true,
            Executor = executor,
            ReferenceSyntax = ToolReferenceSyntax.All,
            DeduplicateCalls = false,
            ApprovalHandler = approver,
            TimeProvider = new ManualTimeProvider(),
            TaskScheduler = new ManualTaskScheduler(),
            CancellationToken = cancellation.Token,
        };

        ToolExecutionBlockOptions clone = options.Clone();
        options.MaxConcurrency = 5;

        Assert.NotSame(options, clone);
        Assert.Equal(
            (3, ToolDispatchTiming.AfterResponse, true, executor, ToolReferenceSyntax.All, false, approver, options.TimeProvider, options.TaskScheduler, cancellation.Token),
            (clone.MaxConcurrency, clone.DispatchTiming, clone.IncludeDetailedErrors, clone.Executor, clone.ReferenceSyntax, clone.DeduplicateCalls, clone.ApprovalHandler, clone.TimeProvider, clone.TaskScheduler, clone.CancellationToken));
    }
}
