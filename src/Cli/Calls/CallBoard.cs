using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Cli.Calls;

/// <summary>
/// Folds a run's events into one <see cref="CallRow"/> per tool call, in the order calls appear: the one model of
/// both terminal views (<c>toolflow demo</c>'s table and <c>toolflow run</c>'s lines), so they show the same states.
/// Not thread-safe: apply a run's events in order, from one thread.
/// </summary>
/// <remarks>
/// Progress: a <see cref="ToolCallProgressed"/> goes through <see cref="ReportProgress"/> and returns
/// <see cref="CallChange.Progress"/>; the row, the table's progress column (<see cref="CallRenderer.Columns"/>) and
/// <c>toolflow run</c>'s progress line show it.
/// </remarks>
internal sealed class CallBoard
{
    private readonly List<CallRow> _rows = [];
    private readonly Dictionary<string, CallRow> _byId = new(StringComparer.Ordinal);
    private DateTimeOffset? _start;

    /// <summary>The calls, in the order they appeared.</summary>
    public IReadOnlyList<CallRow> Rows => _rows;

    /// <summary>The row of a call, or <see langword="null"/> when the board has not seen it.</summary>
    /// <param name="callId">The call id.</param>
    /// <returns>The row, or <see langword="null"/>.</returns>
    public CallRow? Find(string callId) => _byId.GetValueOrDefault(callId);

    /// <summary>Folds one event in.</summary>
    /// <param name="event">The event.</param>
    /// <param name="change">What changed in the returned row.</param>
    /// <returns>The row the event changed, or <see langword="null"/> when it concerns no call (or changes nothing).</returns>
    public CallRow? Apply(ToolPipelineEvent @event, out CallChange change)
    {
        ArgumentNullException.ThrowIfNull(@event);
        _start ??= @event.Timestamp;
        TimeSpan at = @event.Timestamp - _start.Value;
        change = CallChange.State;
        CallRow row;
        switch (@event)
        {
            case ToolCallDetected detected:
                return RowOf(detected.CallId, detected.Name, @event.Turn);
            case ToolArgumentsDelta delta when Find(delta.CallId) is { ArgumentsComplete: false } streaming:
                streaming.AppendArguments(delta.Fragment);
                change = CallChange.Arguments;
                return streaming;
            case ToolCallClosed closed:
                row = RowOf(closed.Call);
                row.SetArguments(closed.Call.ArgumentsJson);
                row.ClosedAt ??= at;
                change = CallChange.Closed;
                return row;
            case ToolCallWaiting waiting:
                row = RowOf(waiting.Call);
                row.State = CallState.Waiting;
                row.WaitReason = waiting.Reason;
                row.WaitingOn = waiting.Reason == ToolCallWaitReason.Dependencies ? Labels(waiting.Detail) : [];
                return row;
            case ToolCallApprovalRequested approval:
                row = RowOf(approval.Call);
                if (row is { State: CallState.Waiting, WaitReason: ToolCallWaitReason.Approval })
                {
                    return null;
                }

                row.State = CallState.Waiting;
                row.WaitReason = ToolCallWaitReason.Approval;
                row.WaitingOn = [];
                return row;
            case ToolCallDeduplicated deduplicated:
                row = RowOf(deduplicated.Call);
                row.State = CallState.Waiting;
                row.WaitReason = null;
                row.DuplicateOf = Find(deduplicated.OriginalCallId);
                row.WaitingOn = row.DuplicateOf is null ? [deduplicated.OriginalCallId] : [];
                return row;
            case ToolCallStarted started:
                row = RowOf(started.Call);
                row.State = CallState.Running;
                row.StartedAt ??= at;
                return row;
            case ToolCallRetrying retrying:
                row = RowOf(retrying.Call);
                row.State = CallState.Running;
                row.Attempt = retrying.Attempt + 1;
                row.RetryError = retrying.Error?.Message;
                return row;
            case ToolCallCompleted completed:
                row = RowOf(completed.Call);
                row.State = CallState.Done;
                row.Duration = completed.Duration;
                row.Result = TextOf(completed.Result);
                return row;
            case ToolCallFailed failed:
                row = RowOf(failed.Call);
                row.State = StateOf(failed.Kind);
                row.FailureKind = failed.Kind;
                row.Error = failed.Message;
                row.Duration = failed.Duration;
                return row;
            case ToolCallProgressed progressed:
                change = CallChange.Progress;
                return ReportProgress(progressed.Call.CallId, new CallProgress(FractionOf(progressed.Progress, progressed.Total), progressed.Message));
            case SubAgentEvent sub when SubAgentActivity(sub) is { } activity:
                // A sub-agent's progress shows as its parent call's progress, in words.
                change = CallChange.Progress;
                return ReportProgress(sub.ParentCall.CallId, new CallProgress(null, activity));
            case ToolResultDiscarded discarded:
                row = RowOf(discarded.Call);
                row.DiscardedResult = TextOf(discarded.Result) ?? string.Empty;
                return row;
            default:
                return null;
        }
    }

    /// <summary>Records a running call's progress.</summary>
    /// <param name="callId">The call id.</param>
    /// <param name="progress">How far it has got.</param>
    /// <returns>The row, or <see langword="null"/> when the call is unknown or no longer running.</returns>
    public CallRow? ReportProgress(string callId, CallProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (Find(callId) is not { State: CallState.Running } row)
        {
            return null;
        }

        row.Progress = progress;
        return row;
    }

    /// <summary>What a sub-agent is doing, as its parent call's progress message: the agents down to the event, then the event.</summary>
    /// <param name="sub">The sub-agent's event.</param>
    /// <returns>For example <c>researcher › search running</c>; <see langword="null"/> for an event that says nothing worth showing.</returns>
    internal static string? SubAgentActivity(SubAgentEvent sub)
    {
        string? what = sub.Innermost switch
        {
            TurnStarted t => $"turn {t.Turn}",
            ToolCallStarted s => $"{s.Call.Name} running",
            ToolCallProgressed p => p.Message is null ? $"{p.Call.Name} running" : $"{p.Call.Name}: {p.Message}",
            ToolCallCompleted c => $"{c.Call.Name} done",
            ToolCallFailed f => $"{f.Call.Name} {(f.Kind == ToolCallFailureKind.Cancelled ? "cancelled" : "failed")}",
            _ => null,
        };
        if (what is null)
        {
            return null;
        }

        var agents = new List<string>();
        for (ToolPipelineEvent e = sub.Event; e is SubAgentEvent inner; e = inner.Event)
        {
            agents.Add(inner.Agent);
        }

        return agents.Count == 0 ? what : $"{string.Join(" › ", agents)} › {what}";
    }

    // A fraction only where the tool gives a positive total; progress without one is shown by its message alone.
    private static double? FractionOf(double? progress, double? total) =>
        progress is { } p && total is > 0 and { } t ? Math.Clamp(p / t, 0, 1) : null;

    /// <summary>The view's state for a call that ended without a result.</summary>
    /// <param name="kind">Why it ended.</param>
    /// <returns>
    /// <see cref="CallState.Cancelled"/> when it was stopped rather than broken, <see cref="CallState.Quarantined"/> when
    /// its result was withheld, else <see cref="CallState.Failed"/>.
    /// </returns>
    public static CallState StateOf(ToolCallFailureKind kind) => kind switch
    {
        ToolCallFailureKind.Cancelled or ToolCallFailureKind.Discarded or ToolCallFailureKind.Rejected or ToolCallFailureKind.PermissionDenied => CallState.Cancelled,
        ToolCallFailureKind.Quarantined => CallState.Quarantined,
        _ => CallState.Failed,
    };

    /// <summary>A tool's result as text, cut to <see cref="CallRow.MaxTextKept"/> characters.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The text, or <see langword="null"/> for no result.</returns>
    public static string? TextOf(object? result)
    {
        string? text = result switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } s => s.GetString(),
            JsonElement json => json.GetRawText(),
            _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
        };
        return text is { Length: > CallRow.MaxTextKept } ? text[..CallRow.MaxTextKept] : text;
    }

    private List<string> Labels(string? ids) =>
        ids is null
            ? []
            : [.. ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(id => Find(id) is { } row ? $"#{row.Number}" : id)];

    private CallRow RowOf(ToolCall call) => RowOf(call.CallId, call.Name, call.Turn);

    // A call the board has not seen detected (a whole call a client buffered) gets its row on its first event.
    private CallRow RowOf(string callId, string name, int turn)
    {
        if (!_byId.TryGetValue(callId, out CallRow? row))
        {
            row = new CallRow(_rows.Count + 1, callId, name, turn);
            _rows.Add(row);
            _byId.Add(callId, row);
        }

        return row;
    }
}
