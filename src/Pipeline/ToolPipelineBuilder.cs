using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.StreamParsers;

namespace ToolFlow.Pipeline;

/// <summary>Builds a <see cref="ToolPipeline"/>. Get one from <see cref="ToolPipeline.CreateBuilder(IChatClient)"/>.</summary>
public sealed class ToolPipelineBuilder
{
    private readonly IChatClient _chatClient;
    private readonly List<ToolDescriptor> _tools = [];
    private readonly List<(ToolPipelineStage Stage, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>> Factory)> _inserted = [];
    private readonly ToolPipelineOptions _options = new();

    internal ToolPipelineBuilder(IChatClient chatClient)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
    }

    /// <summary>
    /// Adds a tool the model may call, with the effects its metadata declares (<see cref="ToolDescriptor.FromMetadata"/>:
    /// MCP hints in its additional properties, a <see cref="ToolEffectsAttribute"/> on its method, an MCP client tool's
    /// annotations). A tool without any is side-effecting: its calls wait for the response to end cleanly. Give the
    /// effects with <see cref="AddTool(AIFunction, ToolEffects)"/> to override its metadata.
    /// </summary>
    /// <param name="tool">The tool; its <see cref="AITool.Name"/> must be unique.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddTool(AIFunction tool) => AddTool(ToolDescriptor.FromMetadata(tool));

    /// <summary>Adds a tool the model may call, with its effects.</summary>
    /// <param name="tool">The tool; its <see cref="AITool.Name"/> must be unique.</param>
    /// <param name="effects">What running it does: read-only and idempotent tools start the instant their call closes.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddTool(AIFunction tool, ToolEffects effects) => AddTool(new ToolDescriptor(tool, effects));

    /// <summary>Adds a tool with its effects, caps, timeout, retry, circuit breaker and approval policy.</summary>
    /// <param name="tool">The tool; its name must be unique.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddTool(ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (_tools.Exists(t => t.Name == tool.Name))
        {
            throw new ArgumentException($"A tool named '{tool.Name}' is already added.", nameof(tool));
        }

        _tools.Add(tool);
        return this;
    }

    /// <summary>Adds tools the model may call, each with the effects its metadata declares, as <see cref="AddTool(AIFunction)"/> does.</summary>
    /// <param name="tools">The tools.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddTools(IEnumerable<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (AIFunction tool in tools)
        {
            AddTool(tool);
        }

        return this;
    }

    /// <summary>Adds tools the model may call, all with the same effects, whatever their metadata says.</summary>
    /// <param name="tools">The tools.</param>
    /// <param name="effects">What running them does.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddTools(IEnumerable<AIFunction> tools, ToolEffects effects)
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (AIFunction tool in tools)
        {
            AddTool(tool, effects);
        }

        return this;
    }

    /// <summary>Whether a tool of that name has been added.</summary>
    internal bool HasTool(string name) => _tools.Exists(t => t.Name == name);

    /// <summary>Sets the clock every timestamp and delay comes from.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithTimeProvider(TimeProvider timeProvider) => Configure(o => o.TimeProvider = timeProvider);

    /// <summary>Sets the most calls that run at once in one run.</summary>
    /// <param name="maxConcurrency">A positive number, or <see cref="DataflowBlockOptions.Unbounded"/>.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithMaxConcurrency(int maxConcurrency) => Configure(o => o.Execution.MaxConcurrency = maxConcurrency);

    /// <summary>Sets the most model turns in one run.</summary>
    /// <param name="maxTurns">A positive number.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithMaxTurns(int maxTurns) => Configure(o => o.MaxTurns = maxTurns);

    /// <summary>Sets how results go back to the model: await (the default) or futures.</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithMode(ToolPipelineMode mode) => Configure(o => o.Mode = mode);

    /// <summary>Sets when a complete call may start.</summary>
    /// <param name="timing">The timing.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithDispatchTiming(ToolDispatchTiming timing) => Configure(o => o.Execution.DispatchTiming = timing);

    /// <summary>
    /// Makes calls to tools that need approval wait for a decision from the run's handle
    /// (<see cref="ToolPipelineRun.Approve"/>, <see cref="ToolPipelineRun.Deny"/>), which a UI may give at any later
    /// time from any thread; with an <see cref="ToolExecutionBlockOptions.ApprovalHandler"/> as well, the first
    /// decision wins. Without either, such calls are rejected.
    /// </summary>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithExternalApproval() => Configure(static o => o.Execution.ExternalApproval = true);

    /// <summary>
    /// Checks every call with <paramref name="policy"/> at dispatch and again when its result arrives: a refused call
    /// fails as <see cref="ToolCallFailureKind.PermissionDenied"/> without running, and a result whose permission was
    /// revoked meanwhile is quarantined (<see cref="ToolResultQuarantined"/>) and never reaches the conversation. See
    /// <see cref="ToolExecutionBlockOptions.PermissionPolicy"/>; <see cref="ToolPermissions"/> is a ready-made one.
    /// </summary>
    /// <param name="policy">The policy, for instance a <see cref="ToolPermissions"/>.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithPermissionPolicy(IToolPermissionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Configure(o => o.Execution.PermissionPolicy = policy);
    }

    /// <summary>Reads tool calls the model writes as text, with parsers from <paramref name="factory"/>.</summary>
    /// <param name="factory">Makes one parser per response.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithTextParser(Func<ToolCallParserOptions, ToolCallTextParser> factory) => Configure(o => o.Parsing.TextParserFactory = factory);

    /// <summary>
    /// Reads call fragments from the raw streaming updates of a provider's own chat client, so that calls start the
    /// moment their arguments close even when the client gives whole calls only at the end of its stream.
    /// </summary>
    /// <param name="reader">The reader, for instance <c>OpenAIDeltaReader.Instance</c> from <c>ToolFlow.Providers.OpenAI</c>.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddDeltaReader(ToolCallDeltaReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Configure(o =>
        {
            if (!o.Parsing.DeltaReaders.Contains(reader))
            {
                o.Parsing.DeltaReaders = [.. o.Parsing.DeltaReaders, reader];
            }
        });
    }

    /// <summary>
    /// Records every run in a ledger (its run, turns and calls, written in batches off the dispatch path) and lets
    /// <see cref="ToolPipeline.ResumeAsync"/> resume an interrupted run from it. See <see cref="IToolCallLedger"/>.
    /// </summary>
    /// <param name="ledger">The ledger.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithLedger(IToolCallLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return Configure(o => o.Ledger = ledger);
    }

    /// <summary>Changes any option.</summary>
    /// <param name="configure">Sets options.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder Configure(Action<ToolPipelineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options);
        return this;
    }

    /// <summary>
    /// Inserts a block of your own after a stage. The block takes and offers <see cref="ToolPipelineEvent"/>s; it
    /// must pass on the events it does not act on and complete when its input completes. A new block is made for
    /// every run.
    /// </summary>
    /// <param name="stage">The stage the block follows.</param>
    /// <param name="blockFactory">Makes the block for a run.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder InsertAfter(ToolPipelineStage stage, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>> blockFactory)
    {
        ArgumentNullException.ThrowIfNull(blockFactory);
        if (!Enum.IsDefined(stage))
        {
            throw new ArgumentOutOfRangeException(nameof(stage));
        }

        _inserted.Add((stage, blockFactory));
        return this;
    }

    /// <summary>
    /// Limits what one tool result may add to the conversation, in tokens of <see cref="ToolPipelineOptions.TokenCounter"/>:
    /// a longer result is cut (by <paramref name="trimmer"/>, default head and tail) and the model sees the cut with a
    /// note; the full result stays on <see cref="ToolCallCompleted.Result"/>. A tool's own
    /// <see cref="ToolDescriptor.MaxResultTokens"/> wins over this.
    /// </summary>
    /// <param name="maxResultTokens">The budget per result; at least <see cref="ToolResultMergeBlockOptions.MinimumResultTokens"/>.</param>
    /// <param name="trimmer">How results are cut; <see langword="null"/> keeps the current (head and tail by default).</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithResultBudget(int maxResultTokens, ToolResultTrimmer? trimmer = null) => Configure(o =>
    {
        o.Results.MaxResultTokens = maxResultTokens;
        if (trimmer is not null)
        {
            o.Results.ResultTrimmer = trimmer;
        }
    });

    /// <summary>Limits what all of a turn's results may add together, in tokens; see <see cref="ToolResultMergeBlockOptions.MaxTurnResultTokens"/>.</summary>
    /// <param name="maxTurnResultTokens">The budget per turn; at least <see cref="ToolResultMergeBlockOptions.MinimumResultTokens"/>.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithTurnResultBudget(int maxTurnResultTokens) => Configure(o => o.Results.MaxTurnResultTokens = maxTurnResultTokens);

    /// <summary>Tracks the conversation against the model's context window; see <see cref="ToolPipelineOptions.ContextWindowTokens"/>.</summary>
    /// <param name="contextWindowTokens">The model's context window in tokens; at least 1.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithContextWindow(int contextWindowTokens) => Configure(o => o.ContextWindowTokens = contextWindowTokens);

    /// <summary>Counts budgets and the context window with your model's tokenizer instead of o200k_base.</summary>
    /// <param name="counter">The tokenizer.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder WithTokenCounter(ITokenCounter counter) => Configure(o => o.TokenCounter = counter);

    /// <summary>Builds an immutable, thread-safe pipeline that can serve many runs at once.</summary>
    /// <returns>The pipeline.</returns>
    public ToolPipeline Build()
    {
        ToolDescriptor[] tools = [.. _tools];
        ToolPipelineOptions options = _options.Clone();
        if (options.Mode == ToolPipelineMode.Futures && !HasTool(ToolFuture.AwaitToolName))
        {
            tools = [.. tools, new ToolDescriptor(new AwaitFutureFunction(), ToolEffects.ReadOnly) { PolicyExempt = true }];
        }

        if (options.Mode == ToolPipelineMode.Plan)
        {
            if (!HasTool(StreamParsers.LlmCompilerPlan.JoinToolName))
            {
                tools = [.. tools, new ToolDescriptor(new JoinFunction(), ToolEffects.ReadOnly) { PolicyExempt = true }];
            }

            if (options.Parsing.TextParserFactory == ToolCallParserBlockOptions.DefaultTextParserFactory)
            {
                options.Parsing.TextParserFactory = static o => StreamParsers.ToolCallFormatRegistry.Default.Create("llmcompiler", o);
            }

            options.Execution.ReferenceSyntax |= ToolReferenceSyntax.PlanSteps;
        }

        return new(_chatClient, tools, options, _inserted.ToArray());
    }

    /// <summary>
    /// Adds tools with their effects and policies, such as <c>McpToolSource.Tools</c>: the tools of an MCP server, with
    /// effects from their annotations.
    /// </summary>
    /// <param name="tools">The tools; each name must be unique.</param>
    /// <returns>This builder.</returns>
    public ToolPipelineBuilder AddTools(IEnumerable<ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (ToolDescriptor tool in tools)
        {
            AddTool(tool);
        }

        return this;
    }
}
