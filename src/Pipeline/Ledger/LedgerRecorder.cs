using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Records one run into its pipeline's <see cref="IToolCallLedger"/>: folds the run's events (and the executor's
/// reports of attempts) into the run's record, its turns' and a draft per call, and queues what changed for one
/// background writer, which drains the queue in batches: a call changed several times before the writer takes it is
/// queued once and written once.
/// </summary>
/// <remarks>
/// <para>
/// Nothing here waits for the ledger on the dispatch path, with one exception that correctness needs: a call to a
/// side-effecting tool that does not honour idempotency keys has its start written, and the write awaited, before its
/// body runs (<see cref="BeforeBodyAsync"/>). Otherwise a crash just after the body started would leave no trace of
/// it, and a resume would run it again.
/// </para>
/// <para>
/// Lock scheme: <see cref="_lock"/> guards the records (run, turns, call drafts) and the resume plan's claims; events
/// come from the run's loop, attempts and dispatches from the calls' own flows. The writer takes it only to make the
/// drafts it drained into entries; it calls nothing under it.
/// </para>
/// </remarks>
internal sealed class LedgerRecorder : IToolCallHook
{
    /// <summary>The most records one batch holds; more pending make several batches.</summary>
    internal const int MaxBatchRecords = 1024;

    private readonly object _lock = new();
    private readonly IToolCallLedger _ledger;
    private readonly TimeProvider _clock;
    private readonly TaskScheduler _scheduler;
    private readonly TimeSpan _window;
    private readonly TimeSpan _flushTimeout;

    // Set when a flush or the end is asked for: the writer stops gathering and writes at once. Replaced by the writer
    // at each batch; read and replaced under _lock.
    private TaskCompletionSource _urgent = new();
    private readonly Dictionary<string, ToolDescriptor> _tools;
    private readonly ResumePlan? _resume;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, LedgerTurnRecord> _turns = [];
    private readonly Dictionary<int, ChatMessage[]> _turnMessages = [];
    private readonly Dictionary<string, CallDraft> _calls = new(StringComparer.Ordinal);

    // Calls whose draft has been made from a ToolCall (arguments known, a resume's record matched or not).
    private readonly HashSet<string> _resolved = new(StringComparer.Ordinal);

    // Calls the ledger held as dispatched with no outcome: under way when the run was interrupted. Taken from the
    // record the resume read, not the draft: this run's own ToolCallStarted may stamp a new call's DispatchedAt first.
    private readonly HashSet<string> _interrupted = new(StringComparer.Ordinal);
    private readonly Task _writer;
    private LedgerRunRecord _run;
    private bool _failing;

    public LedgerRecorder(
        IToolCallLedger ledger,
        ToolPipelineOptions options,
        IEnumerable<ToolDescriptor> tools,
        LedgerRunRecord run,
        ResumePlan? resume)
    {
        _ledger = ledger;
        _clock = options.TimeProvider;
        _scheduler = options.TaskScheduler;
        _window = options.LedgerBatchWindow;
        _flushTimeout = options.LedgerFlushTimeout;
        _tools = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _resume = resume;
        _run = run;
        if (resume is not null)
        {
            foreach (LedgerTurnRecord turn in resume.Recorded.Turns)
            {
                _turns[turn.Turn] = turn;
            }
        }

        _queue.Writer.TryWrite(run);

        // On the pipeline's scheduler, and it stays there (see WriteLoopAsync).
        _writer = Task.Factory.StartNew(WriteLoopAsync, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();
    }

    /// <summary>The run's id.</summary>
    public string RunId => _run.RunId;

    /// <summary>Where a failed write is reported; set by the run before anything can fail.</summary>
    public Action<string, string>? Report { get; set; }

    /// <summary>Folds an event of the run, on the run's loop, before the caller sees it.</summary>
    public void Observe(ToolPipelineEvent @event)
    {
        DateTimeOffset at = @event.Timestamp;
        lock (_lock)
        {
            switch (@event)
            {
                case TurnStarted started:
                    OnTurnStarted(started);
                    break;
                case ToolCallDetected detected:
                    if (!_calls.TryGetValue(detected.CallId, out CallDraft? known))
                    {
                        // The arguments come with the close; the name and place are known now.
                        var draft = new CallDraft(new ToolCallLedgerEntry(_run.RunId, _run.ConversationId, detected.CallId, detected.Turn, detected.Index, detected.Name, string.Empty, EffectsOf(detected.Name))) { DetectedAt = at };
                        if (_resume?.Holds(detected.CallId) == true)
                        {
                            // A resumed call's record must not be overwritten by a blank one before the close claims it:
                            // a crash in between would lose that it ran. Only the claimed draft is written.
                            _calls[draft.CallId] = draft;
                        }
                        else
                        {
                            Touch(draft);
                        }
                    }
                    else if (known is { Replayed: false, DetectedAt: null })
                    {
                        // The executor got to it first (events reach the recorder after the fact).
                        known.DetectedAt = at;
                        Touch(known);
                    }

                    break;
                case ToolCallClosed closed when Live(closed.Call) is { } call:
                    call.ClosedAt ??= at;
                    Touch(call);
                    break;
                case ToolCallStarted started when Live(started.Call) is { } call:
                    call.DispatchedAt ??= at;
                    Touch(call);
                    break;
                case ToolCallPermissionChecked check when Live(check.Call) is { } call:
                    if (check.Checkpoint == ToolPermissionCheckpoint.Dispatch)
                    {
                        call.PermissionAtDispatch = check.Decision;
                    }
                    else
                    {
                        call.PermissionAtResult = check.Decision;
                    }

                    Touch(call);
                    break;
                case ToolCallCompleted completed when Live(completed.Call) is { } call:
                    (call.CompletedAt, call.Outcome, call.FailureKind, call.ResultJson) = (at, ToolCallLedgerOutcome.Succeeded, null, ToJson(completed.Result));
                    Touch(call);
                    break;
                case ToolResultQuarantined quarantined when Live(quarantined.Call) is { } call:
                    (call.QuarantinedResultJson, call.PermissionAtResult) = (ToJson(quarantined.Result), quarantined.Decision);
                    Touch(call);
                    break;
                case ToolCallFailed failed when Live(failed.Call) is { } call:
                    (call.CompletedAt, call.Outcome, call.FailureKind) = (at, ToolCallLedgerOutcome.Failed, failed.Kind);
                    call.ResultJson = JsonSerializer.Serialize(failed.ResultForModel, AIJsonUtilities.DefaultOptions);
                    Touch(call);
                    break;
                case TurnCompleted completed:
                    OnTurnCompleted(completed);
                    break;
                case FutureResolved resolved:
                    Merged(resolved.Call, resolved.Timestamp);
                    OnFutureResolved(resolved);
                    break;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<ToolCallHookDecision> BeforeBodyAsync(ToolCall call, ToolDescriptor tool, CancellationToken cancellationToken)
    {
        ToolCallHookDecision decision;
        TaskCompletionSource? flushed = null;
        lock (_lock)
        {
            CallDraft draft = Resolve(call);
            bool rerun = _interrupted.Contains(call.CallId);
            decision = Decide(call, tool, draft);
            if (decision.Replayed || decision.Failure is not null)
            {
                return decision;
            }

            // The instant of ToolCallStarted if the loop has seen it already; a call run again starts anew.
            draft.DispatchedAt = rerun ? _clock.GetUtcNow() : draft.DispatchedAt ?? _clock.GetUtcNow();
            draft.IdempotencyKey = decision.IdempotencyKey ?? draft.IdempotencyKey;
            Touch(draft);
            if (tool.Effects == ToolEffects.SideEffecting && !tool.HonorsIdempotencyKeys)
            {
                // Write-ahead: this start must be durable before the body runs (see the remarks).
                flushed = Flush();
            }
        }

        if (flushed is not null)
        {
            try
            {
                await flushed.Task.WaitAsync(_flushTimeout, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Fail closed: an unrecorded start of an action that cannot be deduplicated could run twice on a resume.
                string message = $"The ledger did not record the start of call {call.CallId} ('{call.Name}') within {_flushTimeout.TotalMilliseconds} ms, so it was not run.";
                Report?.Invoke("ledger-write-ahead-timeout", message);
                return ToolCallHookDecision.Fail(new ToolCallOutcomeException(
                    ToolCallFailureKind.LedgerUnavailable,
                    message,
                    $"The action '{call.Name}' was not performed: its record could not be saved, so it was not safe to run. Try again later."));
            }
        }

        return decision;
    }

    /// <inheritdoc/>
    public void OnAttemptStarted(ToolCall call, int attempt)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (Live(call) is { } draft)
            {
                draft.Attempts.Add(new ToolCallAttemptRecord(draft.Attempts.Count + 1, now));
                Touch(draft);
            }
        }
    }

    /// <inheritdoc/>
    public void OnAttemptEnded(ToolCall call, int attempt, Exception? error)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (Live(call) is { Attempts.Count: > 0 } draft)
            {
                draft.Attempts[^1] = draft.Attempts[^1] with { EndedAt = now, Error = error?.Message };
                Touch(draft);
            }
        }
    }

    /// <summary>
    /// Ends the recording: writes the run's end (when it completed; an interrupted run keeps none, which is how a
    /// resume knows it), waits at most <paramref name="timeout"/> for the writer to drain, and stops it.
    /// </summary>
    /// <returns>Whether everything was written in time.</returns>
    public async Task<bool> CompleteAsync(RunCompleted? completed, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (completed is not null)
            {
                Put(_run with { EndedAt = completed.Timestamp, Completion = completed.Reason.ToString() });
            }

            _urgent.TrySetResult();
        }

        _queue.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(timeout, _clock).ConfigureAwait(false);
            return !_failing;
        }
        catch (TimeoutException)
        {
            Report?.Invoke("ledger-flush-timeout", $"The ledger did not take the run's last records within {timeout.TotalMilliseconds} ms; they may be missing.");
            return false;
        }
    }

    private void OnTurnStarted(TurnStarted started)
    {
        if (!_turns.TryGetValue(started.Turn, out LedgerTurnRecord? turn) || turn.MessagesJson is null)
        {
            PutTurn(new LedgerTurnRecord(_run.RunId, started.Turn, started.Timestamp));
        }

        // The first request that carries a result consumes it (a placeholder is not the result).
        foreach (ChatMessage message in started.Messages)
        {
            if (message.Role != ChatRole.Tool)
            {
                continue;
            }

            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionResultContent result
                    && _calls.TryGetValue(result.CallId, out CallDraft? call)
                    && call.ConsumedByTurn is null
                    && !IsPlaceholder(call.Entry, result))
                {
                    call.ConsumedByTurn = started.Turn;
                    Touch(call);
                }
            }
        }
    }

    private void OnTurnCompleted(TurnCompleted completed)
    {
        foreach (ToolCall call in completed.Response.Calls)
        {
            if (!completed.PendingFutures.Contains(call.CallId))
            {
                Merged(call, completed.Timestamp);
            }
        }

        if (_turns.TryGetValue(completed.Turn, out LedgerTurnRecord? turn) && turn.MessagesJson is not null)
        {
            // Replayed from the ledger: its record stands.
            return;
        }

        if (completed.Response.Error is not null)
        {
            // A response the model's stream broke off is not a turn to replay: a resume asks the model again.
            PutTurn((turn ?? new LedgerTurnRecord(_run.RunId, completed.Turn, completed.Timestamp)) with { EndedAt = completed.Timestamp });
            return;
        }

        ChatMessage[] messages = [.. completed.Messages];
        _turnMessages[completed.Turn] = messages;
        PutTurn((turn ?? new LedgerTurnRecord(_run.RunId, completed.Turn, completed.Timestamp)) with
        {
            EndedAt = completed.Timestamp,
            MessagesJson = JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions),
        });
    }

    private void OnFutureResolved(FutureResolved resolved)
    {
        ToolCall call = resolved.Call;

        // The turn's record gets the value in place of its placeholder, as the conversation does.
        if (_turnMessages.TryGetValue(call.Turn, out ChatMessage[]? messages) && _turns.TryGetValue(call.Turn, out LedgerTurnRecord? turn))
        {
            for (int i = 0; i < messages.Length; i++)
            {
                if (messages[i].Role == ChatRole.Tool && messages[i].Contents.Any(c => c is FunctionResultContent r && r.CallId == call.CallId))
                {
                    messages[i] = new ChatMessage(ChatRole.Tool, [.. messages[i].Contents.Select(c => c is FunctionResultContent r && r.CallId == call.CallId ? resolved.Result : c)]);
                }
            }

            PutTurn(turn with { MessagesJson = JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions) });
        }
    }

    private static bool IsPlaceholder(ToolCallLedgerEntry entry, FunctionResultContent result) =>
        result.Result is string text && text == ToolFuture.Placeholder(new ToolCall(entry.CallId, entry.Tool, entry.Index, entry.Turn, null, string.Empty));

    // What the executor does with a started call: a resume's decision, or run it, with its key.
    private ToolCallHookDecision Decide(ToolCall call, ToolDescriptor tool, CallDraft draft)
    {
        bool sideEffecting = tool.Effects == ToolEffects.SideEffecting;
        string? key = sideEffecting ? draft.IdempotencyKey ?? IdempotencyKeys.Derive(_run.RunId, call) : null;
        if (draft.Replayed)
        {
            return ResumePlan.Replay(draft.Entry);
        }

        if (!_interrupted.Contains(call.CallId))
        {
            return ToolCallHookDecision.Run(key);
        }

        // Under way when the run was interrupted.
        if (tool.IsSafeToRepeat || tool.HonorsIdempotencyKeys)
        {
            return ToolCallHookDecision.Run(key);
        }

        return ToolCallHookDecision.Fail(new ToolCallOutcomeException(
            ToolCallFailureKind.OutcomeUnknown,
            $"The call to '{call.Name}' was under way when its run was interrupted; whether it took effect is unknown.",
            $"Error: the call to '{call.Name}' was under way when the conversation was interrupted, and it may or may not have taken effect. Check before calling it again."));
    }

    // The call's draft: known, matched to what a resumed run recorded, or new.
    private CallDraft Resolve(ToolCall call)
    {
        _calls.TryGetValue(call.CallId, out CallDraft? live);
        if (live is not null && !_resolved.Add(call.CallId))
        {
            return live;
        }

        _resolved.Add(call.CallId);
        string arguments = call.Arguments is null ? call.ArgumentsJson : CanonicalJson.ToText(call.Arguments);
        CallDraft draft;
        if (_resume?.Claim(call, arguments) is { } recorded)
        {
            // A call recorded before its arguments closed has none in its record: this run's close gives them.
            draft = CallDraft.From(recorded with { CallId = call.CallId, ArgumentsJson = arguments });
            if (ResumePlan.IsDone(recorded, _turns))
            {
                // What happened the first time stands.
                draft.Replayed = true;
            }
            else
            {
                // Under way at the interruption if it was dispatched: it starts over, keeping its key and its attempts.
                if (recorded.DispatchedAt is not null)
                {
                    _interrupted.Add(call.CallId);
                }

                (draft.Outcome, draft.FailureKind, draft.CompletedAt, draft.MergedAt, draft.ConsumedByTurn, draft.ResultJson) = (ToolCallLedgerOutcome.Pending, null, null, null, null, null);
                draft.DetectedAt = live?.DetectedAt ?? draft.DetectedAt;
            }
        }
        else
        {
            draft = live ?? new CallDraft(new ToolCallLedgerEntry(_run.RunId, _run.ConversationId, call.CallId, call.Turn, call.Index, call.Name, arguments, EffectsOf(call.Name)));
            draft.Entry = draft.Entry with { ArgumentsJson = arguments, Index = call.Index, Turn = call.Turn };
        }

        // A draft replaced here may still be queued: it is written as it stood, and this one after it.
        _calls[call.CallId] = draft;
        Touch(draft);
        return draft;
    }

    // The draft of a call whose record may still change: not one a resume replayed.
    private CallDraft? Live(ToolCall call)
    {
        CallDraft draft = Resolve(call);
        return draft.Replayed ? null : draft;
    }

    // Its result entered the conversation (also for a replayed call, if the interruption came before).
    private void Merged(ToolCall call, DateTimeOffset at)
    {
        CallDraft draft = Resolve(call);
        if (draft.MergedAt is null)
        {
            draft.MergedAt = at;
            Touch(draft);
        }
    }

    // Queues a changed draft for the writer, once until the writer takes it.
    private void Touch(CallDraft draft)
    {
        _calls[draft.CallId] = draft;
        if (!draft.Dirty)
        {
            draft.Dirty = true;
            _queue.Writer.TryWrite(draft);
        }
    }

    private void PutTurn(LedgerTurnRecord turn)
    {
        _turns[turn.Turn] = turn;
        _queue.Writer.TryWrite(turn);
    }

    private void Put(LedgerRunRecord run)
    {
        _run = run;
        _queue.Writer.TryWrite(run);
    }

    // A marker the writer completes once everything queued before it is written.
    private TaskCompletionSource Flush()
    {
        var flushed = new TaskCompletionSource();
        _urgent.TrySetResult();
        if (!_queue.Writer.TryWrite(flushed))
        {
            // The recording has ended (the run is ending): nothing will be written now.
            flushed.TrySetResult();
        }

        return flushed;
    }

    private ToolEffects EffectsOf(string tool) => _tools.TryGetValue(tool, out ToolDescriptor? descriptor) ? descriptor.Effects : ToolEffects.SideEffecting;

    private static string ToJson(object? value)
    {
        try
        {
            return value is JsonElement element ? element.GetRawText() : JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            // A result the serializer cannot write is kept as its text rather than lost.
            return JsonSerializer.Serialize(value?.ToString(), AIJsonUtilities.DefaultOptions);
        }
    }

    // Waits out the batch window, unless a flush or the end is asked for meanwhile.
    private async Task GatherAsync()
    {
        Task urgent;
        lock (_lock)
        {
            if (_urgent.Task.IsCompleted)
            {
                _urgent = new();
                return;
            }

            urgent = _urgent.Task;
        }

        if (_window > TimeSpan.Zero)
        {
            using var stop = new CancellationTokenSource();
            Task window = Task.Delay(_window, _clock, stop.Token);
            await Task.WhenAny(window, urgent).ConfigureAwait(true);
            await stop.CancelAsync().ConfigureAwait(true);
        }

        lock (_lock)
        {
            if (_urgent.Task.IsCompleted)
            {
                _urgent = new();
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        ChannelReader<object> reader = _queue.Reader;
        var runs = new Dictionary<string, LedgerRunRecord>(StringComparer.Ordinal);
        var turns = new Dictionary<int, LedgerTurnRecord>();
        var calls = new Dictionary<string, ToolCallLedgerEntry>(StringComparer.Ordinal);
        var drafts = new List<CallDraft>();
        var flushes = new List<TaskCompletionSource>();

        // ConfigureAwait(true) on purpose: the loop stays on the pipeline's scheduler, so a manual scheduler decides
        // when it runs, and which snapshots make one batch is the same on every run of a test.
        while (await reader.WaitToReadAsync().ConfigureAwait(true))
        {
            await GatherAsync().ConfigureAwait(true);
            int taken = 0;
            while (taken < MaxBatchRecords && reader.TryRead(out object? item))
            {
                taken++;
                switch (item)
                {
                    case CallDraft call:
                        drafts.Add(call);
                        break;
                    case LedgerTurnRecord turn:
                        turns[turn.Turn] = turn;
                        break;
                    case LedgerRunRecord run:
                        runs[run.RunId] = run;
                        break;
                    case TaskCompletionSource flush:
                        flushes.Add(flush);
                        break;
                }
            }

            if (drafts.Count > 0)
            {
                // Each as it stands now, which includes every change queued before a flush marker read above.
                lock (_lock)
                {
                    foreach (CallDraft draft in drafts)
                    {
                        draft.Dirty = false;
                        calls[draft.CallId] = draft.ToEntry();
                    }
                }

                drafts.Clear();
            }

            if (runs.Count + turns.Count + calls.Count > 0)
            {
                var batch = new ToolCallLedgerBatch([.. runs.Values], [.. turns.Values], [.. calls.Values]);
                try
                {
                    await _ledger.WriteAsync(batch, CancellationToken.None).ConfigureAwait(true);
                    runs.Clear();
                    turns.Clear();
                    calls.Clear();
                    _failing = false;
                }
                catch (Exception e)
                {
                    // Kept, and written with the next batch. The run goes on; the caller hears of it once per outage.
                    if (!_failing)
                    {
                        _failing = true;
                        Report?.Invoke("ledger-write-failed", $"Writing to the ledger failed ({e.GetType().Name}: {e.Message}); the records are kept and written again with the next batch.");
                    }
                }
            }

            foreach (TaskCompletionSource flush in flushes)
            {
                // Resumed on the pipeline's scheduler, not inline in the writer: the call's body runs next.
                _ = Task.Factory.StartNew(static s => ((TaskCompletionSource)s!).TrySetResult(), flush, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
            }

            flushes.Clear();
        }
    }
}
