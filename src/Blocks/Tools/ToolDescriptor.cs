using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// A tool and what the scheduler needs to know about it: its effects, its own concurrency cap, timeout, retry and
/// circuit-breaker policies, and whether a person must approve each call.
/// </summary>
public sealed class ToolDescriptor
{
    /// <summary>Describes a tool.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="effects">What running it does; see <see cref="ToolEffects"/>.</param>
    public ToolDescriptor(AIFunction function, ToolEffects effects = ToolEffects.SideEffecting)
    {
        ArgumentNullException.ThrowIfNull(function);
        Function = function;
        Effects = OptionsValidation.Defined(effects);
    }

    /// <summary>The tool.</summary>
    public AIFunction Function { get; }

    /// <summary>The tool's name.</summary>
    public string Name => Function.Name;

    /// <summary>What running the tool does.</summary>
    public ToolEffects Effects { get; }

    /// <summary>Whether calls may start before the response ends, and be retried: read-only and idempotent tools.</summary>
    public bool IsSafeToRepeat => Effects is ToolEffects.ReadOnly or ToolEffects.Idempotent;

    /// <summary>
    /// The most bodies of this tool running at once, across every conversation of its executor; -1 for no limit (the
    /// default). Bodies that outlive their call (timed out or cancelled, ignoring the token) count until they return.
    /// </summary>
    public int MaxConcurrency { get; init => field = OptionsValidation.CapOrUnbounded(value); } = DataflowBlockOptions.Unbounded;

    /// <summary>
    /// A limit on this tool's running bodies that adapts to the calls' latency and rate limits, in place of a fixed
    /// width; <see langword="null"/> (the default) for none. When <see cref="MaxConcurrency"/> is set too, it caps the
    /// adaptive limit.
    /// </summary>
    /// <exception cref="ArgumentException">Its bounds are out of order.</exception>
    public AdaptiveConcurrencyLimit? AdaptiveConcurrency
    {
        get;
        init
        {
            value?.Validate();
            field = value;
        }
    }

    /// <summary>The default of <see cref="MaxRateLimitRetries"/>: 5.</summary>
    public const int DefaultMaxRateLimitRetries = 5;

    /// <summary>
    /// How many times a call rate limited by its service (<see cref="ToolRateLimitedException"/>) runs again after the
    /// wait the service named, when the tool is safe to repeat (<see cref="IsSafeToRepeat"/>); 0 for never. Counted apart
    /// from <see cref="Retry"/>, whose backoff does not apply to rate limits. Default <see cref="DefaultMaxRateLimitRetries"/>.
    /// </summary>
    public int MaxRateLimitRetries
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = DefaultMaxRateLimitRetries;

    /// <summary>
    /// How long one attempt may run before it is cancelled and fails; <see langword="null"/> for no limit. A body that
    /// ignores the cancellation keeps the call's slot until it returns; a retry waits for it, within its own timeout,
    /// rather than run a second body beside it.
    /// </summary>
    public TimeSpan? Timeout { get; init => field = OptionsValidation.PositiveOrNone(value); }

    /// <summary>Retries for failed attempts; used only when <see cref="IsSafeToRepeat"/>.</summary>
    public ToolRetryPolicy? Retry { get; init; }

    /// <summary>A circuit breaker shared by every call to this tool.</summary>
    public ToolCircuitBreakerPolicy? CircuitBreaker { get; init; }

    /// <summary>
    /// Runs calls that are ready together as one invocation; <see langword="null"/> (the default) runs each call on
    /// its own. A batch takes one slot of the caps.
    /// </summary>
    public ToolBatchInvoker? BatchInvoker { get; init; }

    /// <summary>Whether each call waits for an approval before it runs.</summary>
    public bool RequiresApproval { get; init; }

    /// <summary>
    /// The permission policy for this tool's calls, in place of the block's
    /// <see cref="ToolExecutionBlockOptions.PermissionPolicy"/>; <see langword="null"/> (the default) for the block's.
    /// </summary>
    public IToolPermissionPolicy? PermissionPolicy { get; init; }

    /// <summary>Whether no permission policy checks its calls: the pipeline's own tools (<c>await_future</c>, the plan's join), which only hand back results already checked.</summary>
    internal bool PolicyExempt { get; init; }

    /// <summary>
    /// Whether the tool does its work without blocking and returns an already completed task: its calls then run on
    /// the thread that starts them (the one that closed, approved or freed a slot for the call), with no hop to the
    /// block's scheduler: the synchronous fast path. Batched calls (<see cref="BatchInvoker"/>) do not take it. Caps, events,
    /// cancellation, timeouts, retries and failures are as for any other call, and an invocation that does not
    /// complete synchronously goes on asynchronously as usual. <see langword="false"/> by default: a tool that blocks
    /// or computes for long would hold up the thread that closed its call or freed its slot.
    /// </summary>
    public bool CompletesSynchronously { get; init; }

    /// <summary>
    /// Whether the tool passes <see cref="ToolIdempotency.CurrentKey"/> on to what it acts on, so that running a call
    /// twice with the same key has the effect of running it once. Matters only for side-effecting tools in a pipeline
    /// with a ledger: a call under way when its run was interrupted is run again on resume, with the same key, only if
    /// its tool honours keys; otherwise it fails as <see cref="ToolCallFailureKind.OutcomeUnknown"/>, and its start
    /// is written to the ledger before its body runs. <see langword="false"/> by default.
    /// </summary>
    public bool HonorsIdempotencyKeys { get; init; }

    /// <summary>
    /// The most tokens this tool's result may add to the conversation; a longer result is cut by
    /// <see cref="ResultTrimmer"/> and the model sees the cut with a note (see <see cref="ToolResultTrimmed"/>).
    /// <see langword="null"/> (the default) takes the merge block's <see cref="ToolResultMergeBlockOptions.MaxResultTokens"/>;
    /// otherwise at least <see cref="ToolResultMergeBlockOptions.MinimumResultTokens"/>.
    /// </summary>
    public int? MaxResultTokens { get; init => field = ToolResultMergeBlockOptions.ValidBudget(value); }

    /// <summary>How this tool's results are cut to a budget; <see langword="null"/> (the default) takes the merge block's <see cref="ToolResultMergeBlockOptions.ResultTrimmer"/>.</summary>
    public ToolResultTrimmer? ResultTrimmer { get; init; }

    /// <summary>
    /// Describes a tool by what its function carries, so annotated tools start early without a descriptor of their
    /// own. The first of these that says anything decides:
    /// <list type="number">
    /// <item><description>MCP's hint names in <see cref="AITool.AdditionalProperties"/>: <c>readOnlyHint</c>,
    /// <c>idempotentHint</c>, <c>destructiveHint</c> (exactly these keys, as <see cref="ToolHints"/> names them), each a
    /// <see cref="bool"/> or a JSON <c>true</c>/<c>false</c>; set them with
    /// <c>AIFunctionFactoryOptions.AdditionalProperties = ToolHints.ReadOnly</c>. A hint of any other value (a string,
    /// a number, null) counts as absent;</description></item>
    /// <item><description>a <see cref="ToolEffectsAttribute"/> on <see cref="AIFunction.UnderlyingMethod"/>, the method
    /// <c>AIFunctionFactory.Create</c> made the function from;</description></item>
    /// <item><description>the annotations of a <c>ModelContextProtocol</c> SDK client tool (<c>McpClientTool</c>, also
    /// inside a <see cref="DelegatingAIFunction"/>), read from its <c>ProtocolTool.Annotations</c>.</description></item>
    /// </list>
    /// Hints map onto effects as in <see cref="FromHints"/>. A tool nothing describes is side-effecting: its calls
    /// wait for the response to end cleanly.
    /// </summary>
    /// <param name="function">The tool.</param>
    /// <returns>The descriptor.</returns>
    /// <remarks>
    /// Effects the caller gives explicitly (<see cref="ToolDescriptor(AIFunction, ToolEffects)"/>) are not read from
    /// metadata at all. MCP annotations are the server's claims: for a server you do not trust, give its tools' effects
    /// yourself, since a tool wrongly claiming to be read-only would start before the response is known to end well.
    /// </remarks>
    public static ToolDescriptor FromMetadata(AIFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ToolDescriptor(function, ToolMetadata.ReadEffects(function) ?? ToolEffects.SideEffecting);
    }

    /// <summary>
    /// Maps MCP tool annotations onto effects: <c>readOnlyHint</c> true gives <see cref="ToolEffects.ReadOnly"/>;
    /// otherwise <c>idempotentHint</c> true gives <see cref="ToolEffects.Idempotent"/>; otherwise the tool is
    /// side-effecting (MCP's own default, <c>destructiveHint</c> true). A <c>readOnlyHint</c> true contradicted by a
    /// <c>destructiveHint</c> true is not believed: the tool reads as if it had no read-only hint.
    /// </summary>
    /// <param name="function">The tool.</param>
    /// <param name="readOnlyHint">The tool's <c>readOnlyHint</c>, if given.</param>
    /// <param name="idempotentHint">The tool's <c>idempotentHint</c>, if given.</param>
    /// <param name="destructiveHint">The tool's <c>destructiveHint</c>, if given.</param>
    /// <returns>The descriptor.</returns>
    public static ToolDescriptor FromHints(AIFunction function, bool? readOnlyHint, bool? idempotentHint, bool? destructiveHint) =>
        new(function, ToolMetadata.FromHints(readOnlyHint, idempotentHint, destructiveHint) ?? ToolEffects.SideEffecting);
}
