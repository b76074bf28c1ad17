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

    /// <summary>The most calls to this tool running at once, across every conversation; -1 for no limit (the default).</summary>
    public int MaxConcurrency { get; init => field = OptionsValidation.CapOrUnbounded(value); } = DataflowBlockOptions.Unbounded;

    /// <summary>How long one attempt may run before it is cancelled and fails; <see langword="null"/> for no limit.</summary>
    public TimeSpan? Timeout
    {
        get;
        init
        {
            if (value is { } t)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
            }

            field = value;
        }
    }

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
    /// Maps MCP tool annotations onto effects: <c>readOnlyHint</c> gives <see cref="ToolEffects.ReadOnly"/>;
    /// otherwise <c>idempotentHint</c> gives <see cref="ToolEffects.Idempotent"/>; otherwise the tool is side-effecting
    /// (MCP's own default, <c>destructiveHint</c> true).
    /// </summary>
    /// <param name="function">The tool.</param>
    /// <param name="readOnlyHint">The tool's <c>readOnlyHint</c>, if given.</param>
    /// <param name="idempotentHint">The tool's <c>idempotentHint</c>, if given.</param>
    /// <param name="destructiveHint">The tool's <c>destructiveHint</c>, if given.</param>
    /// <returns>The descriptor.</returns>
    public static ToolDescriptor FromHints(AIFunction function, bool? readOnlyHint, bool? idempotentHint, bool? destructiveHint)
    {
        // A non-destructive tool may still add things on every call, so only the idempotent hint makes it safe to repeat.
        _ = destructiveHint;
        ToolEffects effects = readOnlyHint == true ? ToolEffects.ReadOnly
            : idempotentHint == true ? ToolEffects.Idempotent
            : ToolEffects.SideEffecting;
        return new ToolDescriptor(function, effects);
    }
}
