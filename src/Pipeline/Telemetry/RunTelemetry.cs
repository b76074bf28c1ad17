using System.Diagnostics;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// One run's spans and metric points, made from its events (see <see cref="ToolPipelineTelemetry"/>). A run has one
/// only when something listens; every time it reports is an event's <see cref="ToolPipelineEvent.Timestamp"/>.
/// </summary>
/// <remarks>
/// Lock scheme: <see cref="_gate"/> guards the turn and call tables. The run's loop calls in one event at a time, but
/// a turn is requested from the caller's thread too (the first) and the end from the loop's completion. Activities
/// are started and stopped under it and <see cref="Activity.Current"/> is put back each time, so the caller's
/// context never changes. <see cref="RequestSpanWatcher"/> writes a turn's request span from the model's thread
/// (<see cref="TurnState.RequestSpan"/>, volatile), never the tables.
/// </remarks>
internal sealed class RunTelemetry
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly Activity? _run;
    private readonly Dictionary<int, TurnState> _turns = [];
    private readonly Dictionary<string, CallTrack> _calls = new(StringComparer.Ordinal);

    // Runs of calls that ended during the current decode, so the turn's overlap can be measured when it ends.
    private readonly List<(DateTimeOffset Start, DateTimeOffset End)> _endedRuns = [];
    private Activity? _currentTurn;
    private bool _ended;

    private RunTelemetry(ToolPipelineOptions options, IChatClient model)
    {
        _clock = options.TimeProvider;
        if (!PipelineInstruments.Source.HasListeners())
        {
            return;
        }

        string mode = options.Mode switch
        {
            ToolPipelineMode.Futures => "futures",
            ToolPipelineMode.Plan => "plan",
            _ => "await",
        };
        var tags = new List<KeyValuePair<string, object?>>
        {
            new("gen_ai.operation.name", ToolPipelineTelemetry.InvokeAgentOperation),
            new(ToolPipelineTelemetry.ModeAttribute, mode),
        };
        if (options.ChatOptions?.ConversationId is { } conversationId)
        {
            tags.Add(new("gen_ai.conversation.id", conversationId));
        }

        // A child of whatever is current where the run starts (an outer UseOpenTelemetry span, a request's span).
        _run = StartQuietly(ToolPipelineTelemetry.InvokeAgentOperation, parent: default, tags, links: null, _clock.GetUtcNow());
        if (_run is not null && model.GetService<ActivitySource>() is { } modelSource)
        {
            RequestSpanWatcher.Watch(modelSource);
        }
    }

    /// <summary>Names the run on its span: its id, and its conversation when the chat options gave none.</summary>
    public void Identify(string runId, string conversationId)
    {
        if (_run is null)
        {
            return;
        }

        _run.SetTag(ToolPipelineTelemetry.RunIdAttribute, runId);
        if (_run.GetTagItem("gen_ai.conversation.id") is null)
        {
            _run.SetTag("gen_ai.conversation.id", conversationId);
        }
    }

    /// <summary>The turn span the model's request runs under, or <see langword="null"/>.</summary>
    public Activity? CurrentTurn => Volatile.Read(ref _currentTurn);

    /// <summary>Whether the run has spans (and so the model's request is put under its turn).</summary>
    public bool Tracing => _run is not null;

    /// <summary>The run's telemetry, or <see langword="null"/> when nobody listens: then a run costs nothing more.</summary>
    public static RunTelemetry? Create(ToolPipelineOptions options, IChatClient model) =>
        PipelineInstruments.AnyListener ? new RunTelemetry(options, model) : null;

    /// <summary>A turn's request is about to be sent: its span starts now (and again, exactly, at <see cref="TurnStarted"/>).</summary>
    public void TurnRequested(int turn)
    {
        if (_run is null)
        {
            return;
        }

        lock (_gate)
        {
            TurnState state = Turn(turn);
            if (state.Activity is null && !_ended)
            {
                state.Activity = StartQuietly(
                    ToolPipelineTelemetry.TurnSpanName,
                    _run.Context,
                    [new(ToolPipelineTelemetry.TurnAttribute, turn)],
                    links: null,
                    _clock.GetUtcNow());
                state.Activity?.SetCustomProperty(RequestSpanWatcher.TurnStateProperty, state);
                Volatile.Write(ref _currentTurn, state.Activity);
            }
        }
    }

    /// <summary>Takes in one of the run's events, in the order the run's loop sees them.</summary>
    public void OnEvent(ToolPipelineEvent @event)
    {
        lock (_gate)
        {
            switch (@event)
            {
                case TurnStarted started:
                    OnTurnStarted(started);
                    break;
                case ToolCallDetected detected:
                    Call(detected.CallId, detected.Name, detected.Turn);
                    break;
                case ToolCallClosed closed:
                    Call(closed.Call.CallId, closed.Call.Name, closed.Call.Turn).Closed ??= closed.Timestamp;
                    break;
                case ToolCallStarted started:
                    OnCallStarted(started);
                    break;
                case ToolCallPermissionChecked checkedPermission:
                    Call(checkedPermission.Call.CallId, checkedPermission.Call.Name, checkedPermission.Call.Turn).Permission = checkedPermission.Decision;
                    break;
                case ToolResultQuarantined quarantined:
                    Call(quarantined.Call.CallId, quarantined.Call.Name, quarantined.Call.Turn).Permission = quarantined.Decision;
                    break;
                case ToolCallRetrying retrying:
                    Call(retrying.Call.CallId, retrying.Call.Name, retrying.Call.Turn).Attempts++;
                    break;
                case ToolCallCompleted completed:
                    EndCall(completed.Call, completed.Timestamp, "completed", errorType: null, message: null);
                    break;
                case ToolCallFailed failed:
                    string kind = Snake(failed.Kind);
                    string errorType = failed.Kind == ToolCallFailureKind.ToolException && failed.Exception is not null
                        ? failed.Exception.GetType().FullName ?? kind
                        : kind;
                    EndCall(failed.Call, failed.Timestamp, kind, errorType, failed.Message);
                    break;
                case ResponseCompleted response:
                    OnResponseCompleted(response);
                    break;
                case TurnCompleted completed:
                    OnTurnCompleted(completed);
                    break;
            }
        }
    }

    /// <summary>The run ended with its last event.</summary>
    public void RunEnded(RunCompleted completed) =>
        End(completed.Timestamp, completed.Turn, Snake(completed.Reason), errorType: null, message: null);

    /// <summary>The run was cancelled or failed before it could end cleanly.</summary>
    public void RunFailed(Exception exception)
    {
        string errorType = exception is OperationCanceledException ? "cancelled" : exception.GetType().FullName ?? "_OTHER";
        End(_clock.GetUtcNow(), turns: null, reason: null, errorType, exception.Message);
    }

    private void End(DateTimeOffset at, int? turns, string? reason, string? errorType, string? message)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            Volatile.Write(ref _currentTurn, null);

            // Whatever is still open ends with the run: a turn cut short, a call whose outcome never came.
            foreach (CallTrack call in _calls.Values.ToArray())
            {
                EndCall(call, at, "run_ended", errorType ?? "run_ended", "The run ended before the call did.");
            }

            foreach (TurnState turn in _turns.Values)
            {
                Stop(turn.Activity, at, errorType, message);
            }

            if (_run is not null)
            {
                if (turns is { } count)
                {
                    _run.SetTag("toolflow.run.turns", count);
                }

                _run.SetTag(ToolPipelineTelemetry.CompletionReasonAttribute, reason);
                Stop(_run, at, errorType, message);
            }
        }
    }

    private void OnTurnStarted(TurnStarted started)
    {
        TurnState turn = Turn(started.Turn);
        turn.DecodeStart = started.Timestamp;
        turn.Activity?.SetStartTime(started.Timestamp.UtcDateTime);

        // Runs that ended before this decode began can no longer overlap it.
        _endedRuns.RemoveAll(r => r.End <= started.Timestamp);
    }

    private void OnCallStarted(ToolCallStarted started)
    {
        CallTrack call = Call(started.Call.CallId, started.Call.Name, started.Call.Turn);
        if (call.Started is not null)
        {
            return;
        }

        call.Started = started.Timestamp;
        call.Attempts = Math.Max(call.Attempts, 1);
        var tool = new KeyValuePair<string, object?>("gen_ai.tool.name", call.Name);
        PipelineInstruments.ActiveCalls.Add(1, tool);
        if (call.Closed is { } closed)
        {
            PipelineInstruments.ToolWait.Record(Seconds(started.Timestamp - closed), tool);
        }
    }

    /// <summary>The model's stream ended (the parser's summary of it; the raw stream events stop at the parser).</summary>
    private void OnResponseCompleted(ResponseCompleted ended)
    {
        TurnState turn = Turn(ended.Turn);
        if (turn.DecodeStart is not { } start)
        {
            return;
        }

        TimeSpan overlap = Overlap(start, ended.Timestamp);
        PipelineInstruments.DecodeOverlap.Record(overlap.TotalSeconds);
        turn.Activity?.SetTag(ToolPipelineTelemetry.DecodeOverlapAttribute, overlap.TotalMilliseconds);
        if (ended.Error is not null)
        {
            turn.Activity?.SetTag("error.type", ended.Error.GetType().FullName);
            turn.Activity?.SetStatus(ActivityStatusCode.Error, ended.Error.Message);
        }
    }

    private void OnTurnCompleted(TurnCompleted completed)
    {
        TurnState turn = Turn(completed.Turn);
        if (turn.Activity is { } activity)
        {
            if (completed.Response.FinishReason is { } finish)
            {
                activity.SetTag("gen_ai.response.finish_reasons", new[] { finish.Value });
            }

            activity.SetTag("toolflow.turn.tool_calls", completed.Response.Calls.Count);
            Stop(activity, completed.Timestamp, errorType: null, message: null);
        }

        if (ReferenceEquals(Volatile.Read(ref _currentTurn), turn.Activity))
        {
            Volatile.Write(ref _currentTurn, null);
        }
    }

    /// <summary>How long, within a decode window, at least one tool ran: the union of the runs' intervals, clipped.</summary>
    private TimeSpan Overlap(DateTimeOffset start, DateTimeOffset end)
    {
        var intervals = new List<(DateTimeOffset Start, DateTimeOffset End)>(_endedRuns);
        foreach (CallTrack call in _calls.Values)
        {
            if (call.Started is { } s)
            {
                intervals.Add((s, end));
            }
        }

        intervals.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        TimeSpan total = TimeSpan.Zero;
        DateTimeOffset covered = start;
        foreach ((DateTimeOffset s, DateTimeOffset e) in intervals)
        {
            DateTimeOffset from = s > covered ? s : covered;
            DateTimeOffset to = e < end ? e : end;
            if (to > from)
            {
                total += to - from;
                covered = to;
            }
        }

        return total;
    }

    private void EndCall(ToolCall call, DateTimeOffset at, string outcome, string? errorType, string? message) =>
        EndCall(Call(call.CallId, call.Name, call.Turn), at, outcome, errorType, message);

    private void EndCall(CallTrack call, DateTimeOffset at, string outcome, string? errorType, string? message)
    {
        _calls.Remove(call.CallId);
        var tags = new TagList
        {
            { "gen_ai.tool.name", call.Name },
            { "gen_ai.tool.type", "function" },
            { ToolPipelineTelemetry.ToolOutcomeAttribute, outcome },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        if (call.Started is { } started)
        {
            PipelineInstruments.ActiveCalls.Add(-1, new KeyValuePair<string, object?>("gen_ai.tool.name", call.Name));
            PipelineInstruments.ToolDuration.Record(Seconds(at - started), tags);
            _endedRuns.Add((started, at));
        }

        if (_run is null)
        {
            return;
        }

        // A call that never ran (rejected, a failed dependency, cancelled while waiting) still gets its span, from
        // where it closed, so every call id of the run is in the trace with its outcome.
        TurnState? turn = _turns.GetValueOrDefault(call.Turn);
        ActivityContext parent = turn?.Activity?.Context ?? _run.Context;
        ActivityLink[]? links = turn?.RequestSpan is { } request ? [new ActivityLink(request)] : null;
        var spanTags = new List<KeyValuePair<string, object?>>
        {
            new("gen_ai.operation.name", ToolPipelineTelemetry.ExecuteToolOperation),
            new("gen_ai.tool.name", call.Name),
            new("gen_ai.tool.type", "function"),
            new("gen_ai.tool.call.id", call.CallId),
            new(ToolPipelineTelemetry.TurnAttribute, call.Turn),
            new(ToolPipelineTelemetry.ToolOutcomeAttribute, outcome),
        };
        if (call.Closed is { } closed && call.Started is { } began)
        {
            spanTags.Add(new(ToolPipelineTelemetry.ToolWaitAttribute, (began - closed).TotalMilliseconds));
        }

        if (call.Attempts > 0)
        {
            spanTags.Add(new(ToolPipelineTelemetry.ToolAttemptsAttribute, call.Attempts));
        }

        if (errorType is not null)
        {
            spanTags.Add(new("error.type", errorType));
        }

        // The policy in force at the last check (dispatch, or the result's arrival), and why it refused, if it did.
        if (call.Permission is { } permission)
        {
            spanTags.Add(new(ToolPipelineTelemetry.PermissionPolicyAttribute, permission.Policy));
            spanTags.Add(new(ToolPipelineTelemetry.PermissionRevisionAttribute, permission.Revision));
            if (!permission.Allowed)
            {
                spanTags.Add(new(ToolPipelineTelemetry.PermissionReasonAttribute, permission.Reason));
            }
        }

        Activity? span = StartQuietly(
            $"{ToolPipelineTelemetry.ExecuteToolOperation} {call.Name}",
            parent,
            spanTags,
            links,
            call.Started ?? call.Closed ?? at);
        Stop(span, at, errorType, message);
    }

    private TurnState Turn(int turn)
    {
        if (!_turns.TryGetValue(turn, out TurnState? state))
        {
            state = new TurnState();
            _turns.Add(turn, state);
        }

        return state;
    }

    private CallTrack Call(string callId, string name, int turn)
    {
        if (!_calls.TryGetValue(callId, out CallTrack? call))
        {
            call = new CallTrack(callId, name, turn);
            _calls.Add(callId, call);
        }

        return call;
    }

    /// <summary>Starts a span without making it current where this runs: the caller's context stays as it was.</summary>
    private static Activity? StartQuietly(
        string name,
        ActivityContext parent,
        IEnumerable<KeyValuePair<string, object?>> tags,
        IEnumerable<ActivityLink>? links,
        DateTimeOffset start)
    {
        Activity? previous = Activity.Current;
        Activity? activity = PipelineInstruments.Source.StartActivity(name, ActivityKind.Internal, parent, tags, links, start);
        Activity.Current = previous;
        return activity;
    }

    private static void Stop(Activity? activity, DateTimeOffset end, string? errorType, string? message)
    {
        if (activity is null || activity.IsStopped)
        {
            return;
        }

        if (errorType is not null)
        {
            activity.SetTag("error.type", errorType);
            activity.SetStatus(ActivityStatusCode.Error, message);
        }

        // Activity.Stop stamps the wall clock on a span without duration, so an instant span is given one tick.
        DateTime endUtc = end.UtcDateTime;
        activity.SetEndTime(endUtc > activity.StartTimeUtc ? endUtc : activity.StartTimeUtc.AddTicks(1));
        Activity? previous = Activity.Current;
        activity.Stop();
        Activity.Current = previous;
    }

    private static double Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);

    private static string Snake(RunCompletionReason reason) => reason switch
    {
        RunCompletionReason.FinalAnswer => "final_answer",
        RunCompletionReason.TurnLimitReached => "turn_limit_reached",
        RunCompletionReason.ModelFailed => "model_failed",
        RunCompletionReason.TurnCancelled => "turn_cancelled",
        RunCompletionReason.ContextWindowExceeded => "context_window_exceeded",
        _ => "_OTHER",
    };

    /// <summary>The <c>error.type</c> of a failure that is not a tool's own exception; documented in the README.</summary>
    private static string Snake(ToolCallFailureKind kind) => kind switch
    {
        ToolCallFailureKind.ToolException => "tool_exception",
        ToolCallFailureKind.UnknownTool => "unknown_tool",
        ToolCallFailureKind.InvalidArguments => "invalid_arguments",
        ToolCallFailureKind.Cancelled => "cancelled",
        ToolCallFailureKind.DependencyFailed => "dependency_failed",
        ToolCallFailureKind.UnresolvedReference => "unresolved_reference",
        ToolCallFailureKind.Discarded => "discarded",
        ToolCallFailureKind.Rejected => "rejected",
        ToolCallFailureKind.TimedOut => "timeout",
        ToolCallFailureKind.CircuitOpen => "circuit_open",
        ToolCallFailureKind.PermissionDenied => "permission_denied",
        ToolCallFailureKind.Quarantined => "quarantined",
        ToolCallFailureKind.OutcomeUnknown => "outcome_unknown",
        ToolCallFailureKind.LedgerUnavailable => "ledger_unavailable",
        ToolCallFailureKind.RateLimited => "rate_limited",
        _ => "_OTHER",
    };

    /// <summary>What the run knows of a call until its outcome.</summary>
    private sealed class CallTrack(string callId, string name, int turn)
    {
        public string CallId { get; } = callId;

        public string Name { get; } = name;

        public int Turn { get; } = turn;

        public DateTimeOffset? Closed { get; set; }

        public DateTimeOffset? Started { get; set; }

        public int Attempts { get; set; }

        public ToolPermissionDecision? Permission { get; set; }
    }
}
