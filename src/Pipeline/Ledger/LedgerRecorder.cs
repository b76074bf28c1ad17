using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Records one run into its pipeline's <see cref="IToolCallLedger"/>: folds the run's events (and the executor's
/// reports of attempts) into snapshots of the run, its turns and its calls, and hands each new snapshot to one
/// background writer, which drains them in batches, several snapshots of one record making one upsert.
/// </summary>
/// <remarks>
/// <para>
/// Nothing here waits for the ledger on the dispatch path, with one exception that correctness needs: a call to a
/// side-effecting tool that does not honour idempotency keys has its start written, and the write awaited, before its
/// body runs (<see cref="BeforeBodyAsync"/>). Otherwise a crash just after the body started would leave no trace of
/// it, and a resume would run it again.
/// </para>
/// <para>
/// Lock scheme: <see cref="_lock"/> guards the snapshots (run, turns, calls) and the resume plan's claims; events come
/// from the run's loop, attempts and dispatches from the calls' own flows. The writer takes no lock: it owns what it
/// has read from the channel.
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

    // Set when a flush or the end is asked for: the writer stops gathering and writes at once. Replaced by the writer
    // at each batch; read and replaced under _lock.
    private TaskCompletionSource _urgent = new();
    private readonly Dictionary<string, ToolDescriptor> _tools;
    private readonly ResumePlan? _resume;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, LedgerTurnRecord> _turns = [];
    private readonly Dictionary<int, ChatMessage[]> _turnMessages = [];
    private readonly Dictionary<string, ToolCallLedgerEntry> _calls = new(StringComparer.Ordinal);

    // Calls whose outcome a resume took from the ledger: their record no longer changes but for merge and consumption.
    private readonly HashSet<string> _replayed = new(StringComparer.Ordinal);

    // Calls the ledger held as dispatched with no outcome: under way when the run was interrupted.
    private readonly HashSet<string> _interrupted = new(StringComparer.Ordinal);
    // Calls whose entry has been made from a ToolCall (arguments known, a resume's record matched or not).
    private readonly HashSet<string> _resolved = new(StringComparer.Ordinal);
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
                    if (!_calls.ContainsKey(detected.CallId))
                    {
                        // The arguments come with the close; the name and place are known now.
                        Put(new ToolCallLedgerEntry(_run.RunId, _run.ConversationId, detected.CallId, detected.Turn, detected.Index, detected.Name, string.Empty, EffectsOf(detected.Name)) { DetectedAt = at });
                    }

                    break;
                case ToolCallClosed closed:
                    Update(closed.Call, e => e with { ClosedAt = e.ClosedAt ?? at });
                    break;
                case ToolCallStarted started:
                    Update(started.Call, e => e with { DispatchedAt = e.DispatchedAt ?? at });
                    break;
                case ToolCallPermissionChecked checkedEvent:
                    Update(checkedEvent.Call, e => checkedEvent.Checkpoint == ToolPermissionCheckpoint.Dispatch
                        ? e with { PermissionAtDispatch = checkedEvent.Decision }
                        : e with { PermissionAtResult = checkedEvent.Decision });
                    break;
                case ToolCallCompleted completed:
                    Update(completed.Call, e => e with { CompletedAt = at, Outcome = ToolCallLedgerOutcome.Succeeded, FailureKind = null, ResultJson = ToJson(completed.Result) });
                    break;
                case ToolResultQuarantined quarantined:
                    Update(quarantined.Call, e => e with { QuarantinedResultJson = ToJson(quarantined.Result), PermissionAtResult = quarantined.Decision });
                    break;
                case ToolCallFailed failed:
                    Update(failed.Call, e => e with { CompletedAt = at, Outcome = ToolCallLedgerOutcome.Failed, FailureKind = failed.Kind, ResultJson = JsonSerializer.Serialize(failed.ResultForModel, AIJsonUtilities.DefaultOptions) });
                    break;
                case TurnCompleted completed:
                    OnTurnCompleted(completed);
                    break;
                case FutureResolved resolved:
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
            ToolCallLedgerEntry entry = Resolve(call);
            decision = Decide(call, tool, entry);
            if (decision.Replayed || decision.Failure is not null)
            {
                return decision;
            }

            DateTimeOffset now = _clock.GetUtcNow();
            Put(entry with { DispatchedAt = now, IdempotencyKey = decision.IdempotencyKey ?? entry.IdempotencyKey });
            if (tool.Effects == ToolEffects.SideEffecting && !tool.HonorsIdempotencyKeys)
            {
                // Write-ahead: this start must be durable before the body runs (see the remarks).
                flushed = Flush();
            }
        }

        if (flushed is not null)
        {
            await flushed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return decision;
    }

    /// <inheritdoc/>
    public void OnAttemptStarted(ToolCall call, int attempt)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        lock (_lock)
        {
            Update(call, e => e with { Attempts = [.. e.Attempts, new ToolCallAttemptRecord(e.Attempts.Count + 1, now)] });
        }
    }

    /// <inheritdoc/>
    public void OnAttemptEnded(ToolCall call, int attempt, Exception? error)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        lock (_lock)
        {
            Update(call, e => e.Attempts.Count == 0 ? e : e with
            {
                Attempts = [.. e.Attempts.Take(e.Attempts.Count - 1), e.Attempts[^1] with { EndedAt = now, Error = error?.Message }],
            });
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
        }

        lock (_lock)
        {
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
                    && _calls.TryGetValue(result.CallId, out ToolCallLedgerEntry? entry)
                    && entry.ConsumedByTurn is null
                    && !IsPlaceholder(entry, result))
                {
                    Put(entry with { ConsumedByTurn = started.Turn });
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
                Update(call, e => e with { MergedAt = e.MergedAt ?? completed.Timestamp });
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
        Update(call, e => e with { MergedAt = e.MergedAt ?? resolved.Timestamp });

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
    private ToolCallHookDecision Decide(ToolCall call, ToolDescriptor tool, ToolCallLedgerEntry entry)
    {
        bool sideEffecting = tool.Effects == ToolEffects.SideEffecting;
        string? key = sideEffecting ? entry.IdempotencyKey ?? IdempotencyKeys.Derive(_run.RunId, call) : null;
        // Whether it was under way comes from the record the resume read: this run's own ToolCallStarted may already
        // have stamped the live entry's DispatchedAt.
        if (_resume?.Recorded is null || !_replayed.Contains(call.CallId) && !_interrupted.Contains(call.CallId))
        {
            return ToolCallHookDecision.Run(key);
        }

        if (_replayed.Contains(call.CallId))
        {
            return ResumePlan.Replay(entry);
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

    // The call's entry: known, matched to what a resumed run recorded, or new.
    private ToolCallLedgerEntry Resolve(ToolCall call)
    {
        _calls.TryGetValue(call.CallId, out ToolCallLedgerEntry? live);
        if (live is not null && !_resolved.Add(call.CallId))
        {
            return live;
        }

        _resolved.Add(call.CallId);

        string arguments = call.Arguments is null ? call.ArgumentsJson : CanonicalJson.ToText(call.Arguments);
        ToolCallLedgerEntry entry;
        if (_resume?.Claim(call, arguments) is { } recorded)
        {
            bool done = ResumePlan.IsDone(recorded, _turns);
            // A call recorded before its arguments closed has none in its record: this run's close gives them.
            entry = done
                ? recorded with { CallId = call.CallId, Replayed = true }
                : recorded with { CallId = call.CallId, ArgumentsJson = arguments, Outcome = ToolCallLedgerOutcome.Pending, FailureKind = null, CompletedAt = null, MergedAt = null, ConsumedByTurn = null, ResultJson = null };
            if (done)
            {
                _replayed.Add(call.CallId);
            }
            else if (recorded.DispatchedAt is not null)
            {
                _interrupted.Add(call.CallId);
            }

            if (live?.DetectedAt is { } detected && !done)
            {
                entry = entry with { DetectedAt = detected };
            }
        }
        else
        {
            entry = (live ?? new ToolCallLedgerEntry(_run.RunId, _run.ConversationId, call.CallId, call.Turn, call.Index, call.Name, arguments, EffectsOf(call.Name)))
                with { ArgumentsJson = arguments, Index = call.Index, Turn = call.Turn };
        }

        Put(entry);
        return entry;
    }

    private void Update(ToolCall call, Func<ToolCallLedgerEntry, ToolCallLedgerEntry> change)
    {
        ToolCallLedgerEntry entry = Resolve(call);
        if (_replayed.Contains(call.CallId))
        {
            // A replayed call's record is what happened the first time; only its merge and consumption may be new.
            ToolCallLedgerEntry changed = change(entry);
            if (changed.MergedAt != entry.MergedAt && entry.MergedAt is null)
            {
                Put(entry with { MergedAt = changed.MergedAt });
            }

            return;
        }

        Put(change(entry));
    }

    private void Put(ToolCallLedgerEntry entry)
    {
        _calls[entry.CallId] = entry;
        _queue.Writer.TryWrite(entry);
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
                    case ToolCallLedgerEntry call:
                        calls[call.CallId] = call;
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
