namespace ToolFlow.Pipeline;

/// <summary>
/// The names of ToolFlow's traces and metrics, for <c>AddSource</c> / <c>AddMeter</c> and for queries. Spans and
/// instruments follow the OpenTelemetry GenAI semantic conventions where they name the thing (<c>invoke_agent</c>,
/// <c>execute_tool</c>, <c>gen_ai.*</c> attributes, <c>gen_ai.execute_tool.duration</c>); what only ToolFlow measures
/// is under <c>toolflow.*</c>. The library uses <see cref="System.Diagnostics"/> only: with no listener nothing is
/// created.
/// </summary>
/// <remarks>
/// A run is an <c>invoke_agent</c> span (a child of <see cref="System.Diagnostics.Activity.Current"/> when the run
/// starts); each turn a <c>toolflow.turn</c> span under it, and the model request of the turn (for example the
/// <c>chat {model}</c> span of <c>UseOpenTelemetry</c>) runs under the turn; each tool execution an
/// <c>execute_tool {name}</c> span under the turn whose response issued the call, linked to that request's span. Span
/// times are the pipeline's <see cref="TimeProvider"/> timestamps, the same as its events'.
/// </remarks>
public static class ToolPipelineTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of the run, turn and tool spans.</summary>
    public const string ActivitySourceName = "ToolFlow.Pipeline";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of ToolFlow's instruments.</summary>
    public const string MeterName = "ToolFlow.Pipeline";

    /// <summary>The run span's name and <c>gen_ai.operation.name</c>.</summary>
    public const string InvokeAgentOperation = "invoke_agent";

    /// <summary>The turn span's name.</summary>
    public const string TurnSpanName = "toolflow.turn";

    /// <summary>A tool span's <c>gen_ai.operation.name</c>; its name is this, a space and the tool's name.</summary>
    public const string ExecuteToolOperation = "execute_tool";

    /// <summary>Histogram (s): each tool execution, from its start to its outcome; tagged with the tool and <c>error.type</c>.</summary>
    public const string ToolDurationMetric = "gen_ai.execute_tool.duration";

    /// <summary>Histogram (s): how long each call waited between its arguments closing and its tool starting.</summary>
    public const string ToolWaitMetric = "toolflow.tool.wait.duration";

    /// <summary>Up-down counter ({call}): calls whose tool is running, per tool.</summary>
    public const string ActiveCallsMetric = "toolflow.tool.active_calls";

    /// <summary>Histogram (s), one point per turn: how long the model was still decoding while at least one tool ran.</summary>
    public const string DecodeOverlapMetric = "toolflow.turn.decode_overlap";

    /// <summary>Span attribute (double, ms): a call's wait between its arguments closing and its tool starting.</summary>
    public const string ToolWaitAttribute = "toolflow.tool.wait_ms";

    /// <summary>Span and metric attribute: how a call ended, <c>completed</c> or the failure kind in snake case.</summary>
    public const string ToolOutcomeAttribute = "toolflow.tool.outcome";

    /// <summary>Span attribute (int): the attempts a call's tool took (more than one after retries).</summary>
    public const string ToolAttemptsAttribute = "toolflow.tool.attempts";

    /// <summary>Tool span attribute: the permission policy of the call's last check (at dispatch, or when its result arrived).</summary>
    public const string PermissionPolicyAttribute = "toolflow.permission.policy";

    /// <summary>Tool span attribute: that policy's revision, when it has one.</summary>
    public const string PermissionRevisionAttribute = "toolflow.permission.revision";

    /// <summary>Tool span attribute: why that check refused the call or its result (denied, quarantined).</summary>
    public const string PermissionReasonAttribute = "toolflow.permission.reason";

    /// <summary>Span attribute (int): the turn a span belongs to, from 1.</summary>
    public const string TurnAttribute = "toolflow.turn";

    /// <summary>Span attribute (double, ms): the turn's decode time overlapped by running tools.</summary>
    public const string DecodeOverlapAttribute = "toolflow.turn.decode_overlap_ms";

    /// <summary>Span attribute: the pipeline's mode (<c>await</c>, <c>futures</c>, <c>plan</c>).</summary>
    public const string ModeAttribute = "toolflow.mode";

    /// <summary>Run span attribute: the run's id (<see cref="ToolPipelineRun.RunId"/>, the ledger's key for it).</summary>
    public const string RunIdAttribute = "toolflow.run.id";

    /// <summary>Span attribute: why the run ended (<see cref="RunCompletionReason"/>, in snake case).</summary>
    public const string CompletionReasonAttribute = "toolflow.run.completion_reason";
}
