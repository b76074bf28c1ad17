using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.StreamParsers;

namespace ToolFlow.Pipeline;

/// <summary>
/// The settings of a <see cref="ToolPipeline"/>. The builder fills one; <see cref="ToolPipelineBuilder.Build"/>
/// copies it, so a built pipeline never changes.
/// </summary>
public sealed class ToolPipelineOptions
{
    /// <summary>The most model turns in one run. Default 10.</summary>
    public int MaxTurns
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 10;

    /// <summary>The most calls running at once in a run; <see cref="DataflowBlockOptions.Unbounded"/> for no limit. Default 16.</summary>
    public int MaxConcurrency
    {
        get;
        set
        {
            if (value is not DataflowBlockOptions.Unbounded)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            }

            field = value;
        }
    } = 16;

    /// <summary>When a complete call may start. Default <see cref="ToolDispatchTiming.OnCallClosed"/>.</summary>
    public ToolDispatchTiming DispatchTiming { get; set; }

    /// <summary>Whether the model sees a throwing tool's exception message. Default <see langword="false"/>.</summary>
    public bool IncludeDetailedErrors { get; set; }

    /// <summary>The source of every timestamp and delay. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TimeProvider.System;

    /// <summary>The scheduler the mesh runs on. Default <see cref="TaskScheduler.Default"/>.</summary>
    public TaskScheduler TaskScheduler
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TaskScheduler.Default;

    /// <summary>Makes the parser for calls written as text; default none (see <see cref="ToolCallParserBlockOptions.TextParserFactory"/>).</summary>
    public Func<ToolCallParserOptions, ToolCallTextParser>? TextParserFactory { get; set; }

    /// <summary>Parser limits. Default <see cref="ToolCallParserOptions.Default"/>.</summary>
    public ToolCallParserOptions ParserOptions
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = ToolCallParserOptions.Default;

    /// <summary>An executor shared with other pipelines and runs, for a global cap and fair turns; default one per run.</summary>
    public ToolExecutor? Executor { get; set; }

    /// <summary>How arguments may refer to other calls' results. Default <see cref="ToolReferenceSyntax.Futures"/>.</summary>
    public ToolReferenceSyntax ReferenceSyntax { get; set; } = ToolReferenceSyntax.Futures;

    /// <summary>Whether identical calls to read-only and idempotent tools run once per run. Default <see langword="true"/>.</summary>
    public bool DeduplicateCalls { get; set; } = true;

    /// <summary>Decides calls to tools that need approval; without one, such calls are rejected.</summary>
    public ToolApprovalHandler? ApprovalHandler { get; set; }

    /// <summary>
    /// How many events may wait for a slow reader before its text, reasoning and argument deltas are merged. Default
    /// 256. Lifecycle events are never merged or dropped, and execution never waits for the reader.
    /// </summary>
    public int CoalesceDeltasAfter
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 256;

    /// <summary>How results go back to the model. Default <see cref="ToolPipelineMode.Await"/>.</summary>
    public ToolPipelineMode Mode { get; set; }

    /// <summary>In plan mode, the model that writes plans; default the pipeline's own, which then also answers.</summary>
    public IChatClient? Planner { get; set; }

    /// <summary>In plan mode, how many times the answering model may ask for a new plan. Default 2.</summary>
    public int MaxReplans
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 2;

    /// <summary>Chat options sent with every request; the pipeline's tools are added to <see cref="ChatOptions.Tools"/>.</summary>
    public ChatOptions? ChatOptions { get; set; }

    internal ToolPipelineOptions Clone() => new()
    {
        MaxTurns = MaxTurns,
        MaxConcurrency = MaxConcurrency,
        DispatchTiming = DispatchTiming,
        IncludeDetailedErrors = IncludeDetailedErrors,
        TimeProvider = TimeProvider,
        TaskScheduler = TaskScheduler,
        TextParserFactory = TextParserFactory,
        ParserOptions = ParserOptions,
        ChatOptions = ChatOptions?.Clone(),
        Executor = Executor,
        ReferenceSyntax = ReferenceSyntax,
        ApprovalHandler = ApprovalHandler,
        DeduplicateCalls = DeduplicateCalls,
        CoalesceDeltasAfter = CoalesceDeltasAfter,
        Mode = Mode,
        Planner = Planner,
        MaxReplans = MaxReplans,
    };
}
