using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Tokenizers;

namespace ToolFlow.Pipeline;

/// <summary>
/// The settings of a <see cref="ToolPipeline"/>: the run-wide ones, and the options of the blocks it builds for each
/// run (<see cref="Parsing"/>, <see cref="Execution"/>), held rather than mirrored. The builder fills one;
/// <see cref="ToolPipelineBuilder.Build"/> copies it, so a built pipeline never changes.
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

    /// <summary>The source of every timestamp and delay, given to every block of a run. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TimeProvider.System;

    /// <summary>The scheduler the mesh runs on, given to every block of a run. Default <see cref="TaskScheduler.Default"/>.</summary>
    public TaskScheduler TaskScheduler
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TaskScheduler.Default;

    /// <summary>
    /// The parser's settings: how calls written as text are read, and its limits. Its clock, scheduler and
    /// cancellation are not read: each run gives the parser the pipeline's <see cref="TimeProvider"/> and
    /// <see cref="TaskScheduler"/> and the run's token.
    /// </summary>
    public ToolCallParserBlockOptions Parsing { get; private init; } = new();

    /// <summary>
    /// The execution's settings: the per-run cap, dispatch timing, a shared executor, references, deduplication,
    /// approval, error details and the progress rate. Its clock, scheduler and cancellation are not read: each run gives the block the
    /// pipeline's <see cref="TimeProvider"/> and <see cref="TaskScheduler"/> and the run's token.
    /// </summary>
    public ToolExecutionBlockOptions Execution { get; private init; } = new();

    /// <summary>
    /// How many events may wait for a slow reader before its text, reasoning and argument deltas are merged, and a
    /// call's consecutive <see cref="ToolCallProgressed"/> events keep only the latest. Default 256. Lifecycle events
    /// are never merged or dropped, and execution never waits for the reader.
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

    /// <summary>
    /// Where every run is recorded (its turns and calls, see <see cref="IToolCallLedger"/>) and from where
    /// <see cref="ToolPipeline.ResumeAsync"/> resumes one; <see langword="null"/> (the default) records nothing.
    /// </summary>
    public IToolCallLedger? Ledger { get; set; }

    /// <summary>
    /// How long, on <see cref="TimeProvider"/>, a run's end waits for its last ledger writes before
    /// <see cref="RunCompleted"/> goes out anyway (with a <see cref="DiagnosticReported"/> saying the ledger is behind), and
    /// how long a side-effecting call without idempotency keys waits for its start to be written before it runs anyway
    /// (with a diagnostic too).
    /// Default 10 seconds; from <see cref="TimeSpan.Zero"/> to <see cref="int.MaxValue"/> milliseconds.
    /// </summary>
    public TimeSpan LedgerFlushTimeout { get; set => field = OptionsValidation.TimerSpan(value); } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long, on <see cref="TimeProvider"/>, the ledger's writer gathers records after the first one arrives before it
    /// writes them as one batch: several changes of one record in that time make one upsert. A call whose start must
    /// be durable before its body runs, and a run's end, do not wait for it. Default 50 ms; <see cref="TimeSpan.Zero"/>
    /// writes whatever is pending as soon as the writer runs; at most <see cref="int.MaxValue"/> milliseconds.
    /// </summary>
    public TimeSpan LedgerBatchWindow { get; set => field = OptionsValidation.TimerSpan(value); } = TimeSpan.FromMilliseconds(50);

    /// <summary>The default of <see cref="MaxAgentDepth"/>.</summary>
    public const int DefaultMaxAgentDepth = 4;

    /// <summary>
    /// How deep sub-agents (pipelines called as tools, <see cref="ToolPipeline.AsTool"/>) may nest in the tree of runs
    /// this pipeline's runs are part of: a child of a top-level run is at depth 1, its own child at 2. A call that
    /// would start a sub-agent deeper fails, saying the limit, and its child never runs. The lowest limit on the way
    /// down holds: a sub-agent's own pipeline may lower it for what runs under it, never raise it. Default
    /// <see cref="DefaultMaxAgentDepth"/>; 0 lets this pipeline's runs start no sub-agent.
    /// </summary>
    public int MaxAgentDepth
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = DefaultMaxAgentDepth;

    /// <summary>
    /// The merge's settings: token budgets for tool results (per result, per turn, the default trimmer and its time
    /// limit). Its clock, scheduler, cancellation and futures mode are not read: each run gives the block the
    /// pipeline's, and its <see cref="TokenCounter"/> when it has none of its own.
    /// </summary>
    public ToolResultMergeBlockOptions Results { get; private init; } = new();

    /// <summary>
    /// The tokenizer budgets and the context window are counted with. Default Tiktoken's o200k_base
    /// (<c>TiktokenCounter.O200kBase</c>), loaded only when a run first counts.
    /// </summary>
    public ITokenCounter TokenCounter { get => _tokenCounter ?? TiktokenCounter.O200kBase; set => _tokenCounter = OptionsValidation.NotNull(value); }

    // Null until set, so a pipeline that counts nothing never loads a vocabulary.
    private ITokenCounter? _tokenCounter;

    /// <summary>
    /// The model's context window in tokens, or <see langword="null"/> (the default) not to track it. When set, the run
    /// counts the conversation before each request (see <see cref="ContextWindowMessageOverheadTokens"/>), raises
    /// <see cref="ContextWindowFilling"/> once it passes <see cref="ContextWindowWarningRatio"/>, and ends with
    /// <see cref="RunCompletionReason.ContextWindowExceeded"/> (after a <see cref="ContextWindowExceeded"/>) rather than
    /// send a request that would not fit. At least 1.
    /// </summary>
    public int? ContextWindowTokens
    {
        get;
        set
        {
            if (value is { } tokens)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1, nameof(value));
            }

            field = value;
        }
    }

    /// <summary>
    /// The share of <see cref="ContextWindowTokens"/> past which each request raises <see cref="ContextWindowFilling"/>.
    /// Default 0.9; more than 0 and at most 1.
    /// </summary>
    public double ContextWindowWarningRatio
    {
        get;
        set
        {
            if (!(value > 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The ratio must be more than 0 and at most 1.");
            }

            field = value;
        }
    } = 0.9;

    /// <summary>
    /// Tokens counted per message on top of its content, for the role and the markers chat formats wrap it in (OpenAI's
    /// chat format costs about 4). Default 4; from 0.
    /// </summary>
    public int ContextWindowMessageOverheadTokens
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 4;

    internal ToolPipelineOptions Clone() => new()
    {
        LedgerBatchWindow = LedgerBatchWindow,
        Ledger = Ledger,
        LedgerFlushTimeout = LedgerFlushTimeout,
        MaxTurns = MaxTurns,
        TimeProvider = TimeProvider,
        TaskScheduler = TaskScheduler,
        Parsing = Parsing.Clone(),
        Execution = Execution.Clone(),
        CoalesceDeltasAfter = CoalesceDeltasAfter,
        Mode = Mode,
        Planner = Planner,
        MaxReplans = MaxReplans,
        ChatOptions = ChatOptions?.Clone(),
        MaxAgentDepth = MaxAgentDepth,
        Results = Results.Clone(),
        _tokenCounter = _tokenCounter,
        ContextWindowTokens = ContextWindowTokens,
        ContextWindowWarningRatio = ContextWindowWarningRatio,
        ContextWindowMessageOverheadTokens = ContextWindowMessageOverheadTokens,
    };
}
