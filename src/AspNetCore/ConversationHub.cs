using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>
/// The live side of one conversation: it owns the running turn's <see cref="ToolPipelineRun"/> and reads its events
/// (never an HTTP request), gives each a conversation-wide id, folds it into the state, keeps the last
/// <see cref="ToolPipelineChatOptions.ReplayCapacity"/> for Last-Event-ID replay and offers it to every subscriber.
/// </summary>
/// <remarks>
/// Lock scheme: one lock, <see cref="_lock"/>, guards the state, the id counter, the replay log, the subscriber list,
/// the run and the decisions. Publishing an event, subscribing and resyncing each happen wholly under it, which is
/// what makes "snapshot then live" and "replay then live" exact. Nothing under it waits: subscribers' buffers are
/// written with TryWrite, and the store is written outside it.
/// </remarks>
internal sealed class ConversationHub
{
    private readonly object _lock = new();
    private readonly ToolPipelineChatOptions _options;
    private readonly IToolPipelineChatStore _store;
    private readonly ChatState _state;
    private readonly Queue<SseItem<string>> _log = new();
    private readonly List<ChatSubscriber> _subscribers = [];
    private readonly Dictionary<string, bool> _decisions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly Action<ConversationHub> _idle;
    private readonly ILogger _logger;
    private List<ChatMessage> _messages;
    private ToolPipelineRun? _run;
    private bool _busy;
    private int _unsaved;
    private bool _retired;
    private bool _closed;
    private int _runFirstTurn;

    public ConversationHub(ToolPipelineChatConversation conversation, ToolPipelineChatOptions options, IToolPipelineChatStore store, Action<ConversationHub> idle, ILogger logger)
    {
        Conversation = conversation;
        _idle = idle;
        _logger = logger;
        _options = options;
        _store = store;
        _state = new ChatState(conversation.State);
        _messages = [.. conversation.Messages];
    }

    /// <summary>The conversation as created (id, owner, settings).</summary>
    public ToolPipelineChatConversation Conversation { get; }

    /// <summary>
    /// Retires the hub if nothing needs it in memory (no run, no unsaved state, no subscriber): the registry then
    /// forgets it, and the next request loads the conversation from the store. A retired hub starts no turn and takes
    /// no subscriber; its callers find the conversation again.
    /// </summary>
    public bool TryRetire()
    {
        lock (_lock)
        {
            if (_busy || _unsaved > 0 || _subscribers.Count > 0)
            {
                return false;
            }

            _retired = true;
            return true;
        }
    }

    /// <summary>The reading of the last run started: it ends after the run has ended and the conversation was saved.</summary>
    public Task Consuming { get; private set; } = Task.CompletedTask;

    public bool IsRetired
    {
        get
        {
            lock (_lock)
            {
                return _retired;
            }
        }
    }

    public ToolPipelineChatSnapshot Snapshot()
    {
        lock (_lock)
        {
            return _state.ToSnapshot();
        }
    }

    /// <summary>Starts a turn on <paramref name="message"/>, unless one is running.</summary>
    /// <param name="message">The user message.</param>
    /// <param name="host">Where the run is hosted: the request (or none), services, ledger and run options.</param>
    /// <param name="pipelineFactory">Makes the run's pipeline.</param>
    /// <returns>Whether it started; if not, nothing changed.</returns>
    public ChatTurnStart TryStartTurn(string message, ChatTurnHost host, Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory)
    {
        int turn;
        List<ChatMessage> history;
        lock (_lock)
        {
            if (_retired || _busy)
            {
                return _retired ? ChatTurnStart.Retired : ChatTurnStart.TurnRunning;
            }

            _busy = true;
            turn = _state.LastTurn + 1;
            history = [.. _messages, new ChatMessage(ChatRole.User, message)];
        }

        ToolPipelineRun run;
        try
        {
            ToolPipeline pipeline = pipelineFactory(host.ContextFor(Conversation, turn));
            run = host.RunOptions is { } options ? pipeline.Start(history, options, CancellationToken.None) : pipeline.Start(history, CancellationToken.None);
        }
        catch
        {
            lock (_lock)
            {
                _busy = false;
            }

            throw;
        }

        return Adopt(run, turn, history, new UserMessageEvent(message) { Turn = turn, Timestamp = _options.TimeProvider.GetUtcNow() })
            ? ChatTurnStart.Started
            : ChatTurnStart.Retired;
    }

    /// <summary>
    /// Takes over a run started elsewhere for this conversation (a run resumed from its ledger after the node that
    /// ran it was lost); its first model turn is <paramref name="firstTurn"/>, and the transcript stays as it is.
    /// </summary>
    /// <returns>Whether the hub took it; if not (a turn runs, or the hub is closed), the caller disposes of it.</returns>
    public bool TryAdopt(ToolPipelineRun run, int firstTurn)
    {
        lock (_lock)
        {
            if (_retired || _busy)
            {
                return false;
            }

            _busy = true;
        }

        return Adopt(run, firstTurn, null, null);
    }

    /// <summary>The first model turn of the running run, if one runs.</summary>
    public int? RunningFrom
    {
        get
        {
            lock (_lock)
            {
                return _run is null ? null : _runFirstTurn;
            }
        }
    }

    /// <summary>
    /// Ends a turn that no run will finish (its node was lost and it could not be resumed): a diagnostic with
    /// <paramref name="code"/>, its unfinished calls failed, <c>runCompleted</c> with reason <c>faulted</c>.
    /// </summary>
    public void EndLostTurn(string code, string message)
    {
        lock (_lock)
        {
            if (_busy)
            {
                return;
            }

            EndFaulted(code, message);
        }
    }

    /// <summary>Tells every client something about the conversation as a <c>diagnosticReported</c> event.</summary>
    public void Report(string code, string message)
    {
        lock (_lock)
        {
            Publish(new DiagnosticReportedEvent(code, message) { Turn = _state.LastTurn, Timestamp = _options.TimeProvider.GetUtcNow() });
        }
    }

    private bool Adopt(ToolPipelineRun run, int turn, List<ChatMessage>? history, ChatEvent? first)
    {
        lock (_lock)
        {
            if (_closed)
            {
                // Deleted (or the host stopped) while the pipeline was being made: the run has no conversation.
                _busy = false;
                _ = run.DisposeAsync().AsTask();
                return false;
            }

            _messages = history ?? _messages;
            (_run, _runFirstTurn) = (run, turn);
            if (first is not null)
            {
                Publish(first);
            }
        }

        // The hub reads the run, never the request: a client that goes away changes nothing.
        Consuming = Task.Run(() => ConsumeAsync(run, turn - 1));
        return true;
    }

    public ToolControlResult CancelTurn()
    {
        ToolPipelineRun? run;
        lock (_lock)
        {
            run = _run;
        }

        return run?.CancelTurn() ?? ToolControlResult.RunEnded;
    }

    /// <summary>Applies a control to a call of the running turn, or answers for a call of a finished one.</summary>
    public ToolControlResult Control(string callId, ChatCallControl control, string? reason, out int cancelled)
    {
        cancelled = 0;
        ToolPipelineRun? run;
        lock (_lock)
        {
            if (_state.Call(callId) is not { } call)
            {
                return ToolControlResult.UnknownCall;
            }

            run = _run;
            if (run is null || call.Turn < _runFirstTurn)
            {
                return EndedCall(callId, control);
            }
        }

        ToolControlResult result = control switch
        {
            ChatCallControl.Cancel => run.CancelCall(callId),
            ChatCallControl.CancelBranch => run.CancelBranch(callId, out cancelled),
            ChatCallControl.Approve => run.Approve(callId),
            _ => run.Deny(callId, reason),
        };
        lock (_lock)
        {
            if (result == ToolControlResult.Applied && control is ChatCallControl.Approve or ChatCallControl.Deny)
            {
                _decisions[callId] = control == ChatCallControl.Approve;
            }
            else if (result == ToolControlResult.RunEnded || (result == ToolControlResult.UnknownCall && !ReferenceEquals(run, _run)))
            {
                // The run ended as the control came: answer as for any call of a finished run.
                return EndedCall(callId, control);
            }
        }

        return result;
    }

    // Under the lock: a call whose run has ended can change no more; say what was decided, if anything.
    private ToolControlResult EndedCall(string callId, ChatCallControl control)
    {
        bool decided = _decisions.TryGetValue(callId, out bool approved) || _state.Call(callId)!.State == "denied";
        return control is ChatCallControl.Approve or ChatCallControl.Deny && decided
            ? (approved ? ToolControlResult.AlreadyApproved : ToolControlResult.AlreadyDenied)
            : ToolControlResult.CallEnded;
    }

    /// <summary>Subscribes a client: its first items (a snapshot, or the replay after <paramref name="lastEventId"/>) and its buffer for the rest.</summary>
    /// <returns>The subscription; <see langword="null"/> if the hub is retired or, with <paramref name="full"/>, serves <paramref name="maxSubscribers"/> already.</returns>
    public ChatSubscription? Subscribe(long? lastEventId, int bufferCapacity, int maxSubscribers, out bool full)
    {
        var subscriber = new ChatSubscriber(bufferCapacity);
        lock (_lock)
        {
            full = !_retired && _subscribers.Count >= maxSubscribers;
            if (_retired || full)
            {
                return null;
            }

            _subscribers.Add(subscriber);
            long last = _state.LastId;
            long firstLogged = last - _log.Count + 1;
            if (lastEventId is { } after && after >= 0 && after <= last && after >= firstLogged - 1)
            {
                return new ChatSubscription(subscriber, [.. _log.Skip((int)(after - firstLogged + 1))], null);
            }

            return new ChatSubscription(subscriber, null, _state.ToSnapshot());
        }
    }

    /// <summary>The client reached its resync marker: what it missed, and the state to continue from.</summary>
    public (LaggedEvent Lagged, ToolPipelineChatSnapshot Snapshot) Resync(ChatSubscriber subscriber)
    {
        lock (_lock)
        {
            long skipped = subscriber.Resync();
            return (new LaggedEvent(skipped) { Id = _state.LastId, Turn = _state.LastTurn, Timestamp = _options.TimeProvider.GetUtcNow() }, _state.ToSnapshot());
        }
    }

    public void Unsubscribe(ChatSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscriber);
        }

        subscriber.Complete();
        _idle(this);
    }

    /// <summary>Stops the running turn, if any, and ends every subscriber's stream: the conversation is being deleted.</summary>
    public async ValueTask ShutdownAsync()
    {
        ToolPipelineRun? run;
        ChatSubscriber[] subscribers;
        lock (_lock)
        {
            // Closed: nothing more is saved (a deleted conversation must not come back) or started here.
            (_closed, _retired) = (true, true);
            run = _run;
            subscribers = [.. _subscribers];
        }

        foreach (ChatSubscriber subscriber in subscribers)
        {
            subscriber.Complete();
        }

        if (run is not null)
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }
    }

    public static SseItem<string> ToItem(ChatEvent e) =>
        new(JsonSerializer.Serialize(e, ChatJsonContext.Default.ChatEvent), TypeOf(e)) { EventId = e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public static SseItem<string> ToItem(ToolPipelineChatSnapshot snapshot) =>
        new(JsonSerializer.Serialize(snapshot, ChatJsonContext.Default.ToolPipelineChatSnapshot), "snapshot") { EventId = snapshot.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static string TypeOf(ChatEvent e) => e switch
    {
        UserMessageEvent => "userMessage",
        TurnStartedEvent => "turnStarted",
        TextDeltaEvent => "textDelta",
        ReasoningDeltaEvent => "reasoningDelta",
        ToolCallDetectedEvent => "toolCallDetected",
        ToolArgumentsDeltaEvent => "toolArgumentsDelta",
        ToolCallClosedEvent => "toolCallClosed",
        ToolCallWaitingEvent => "toolCallWaiting",
        ToolCallApprovalRequestedEvent => "toolCallApprovalRequested",
        ToolCallStartedEvent => "toolCallStarted",
        ToolCallProgressedEvent => "toolCallProgressed",
        ToolCallRetryingEvent => "toolCallRetrying",
        ToolCallCompletedEvent => "toolCallCompleted",
        ToolCallFailedEvent => "toolCallFailed",
        ToolCallPermissionCheckedEvent => "toolCallPermissionChecked",
        ToolResultQuarantinedEvent => "toolResultQuarantined",
        ModelStreamEndedEvent => "modelStreamEnded",
        TurnCompletedEvent => "turnCompleted",
        DiagnosticReportedEvent => "diagnosticReported",
        RunCompletedEvent => "runCompleted",
        LaggedEvent => "lagged",
        SubAgentActivityEvent => "subAgentEvent",

        ToolResultTrimmedEvent => "toolResultTrimmed",
        ContextWindowFillingEvent => "contextWindowFilling",
        ContextWindowExceededEvent => "contextWindowExceeded",
        _ => throw new SwitchExpressionException(e),
    };

    // Under the lock: the next id, the fold, the log, every subscriber, in that order.
    private void Publish(ChatEvent e)
    {
        e = e with { Id = _state.LastId + 1 };
        _state.Apply(e);
        SseItem<string> item = ToItem(e);
        _log.Enqueue(item);
        if (_log.Count > _options.ReplayCapacity)
        {
            _log.Dequeue();
        }

        foreach (ChatSubscriber subscriber in _subscribers)
        {
            subscriber.Offer(item);
        }
    }

    // Under the lock: a run that will not finish ends here, with a diagnostic, its calls failed and runCompleted.
    private void EndFaulted(string code, string message)
    {
        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        Publish(new DiagnosticReportedEvent(code, message) { Turn = _state.LastTurn, Timestamp = now });

        // Its calls end with it, so neither the page nor a stored snapshot shows one running forever.
        foreach (ToolPipelineChatCall call in _state.UnfinishedCalls().ToList())
        {
            Publish(new ToolCallFailedEvent(call.CallId, call.Name, "cancelled", $"The run faulted before the call ended: {message}", null) { Turn = call.Turn, Timestamp = now });
        }

        Publish(new RunCompletedEvent("faulted", string.Empty) { Turn = _state.LastTurn, Timestamp = now });
    }

    private async Task ConsumeAsync(ToolPipelineRun run, int turnOffset)
    {
        IReadOnlyList<ChatMessage>? transcript = null;
        try
        {
            await foreach (ToolPipelineEvent e in run.Events.ConfigureAwait(false))
            {
                if (e is RunCompleted completed)
                {
                    transcript = completed.Messages;
                }

                if (ChatEventMapper.Map(e, turnOffset, _options.ResultPreviewLength) is { } wire)
                {
                    lock (_lock)
                    {
                        if (transcript is not null)
                        {
                            // The transcript is in place before runCompleted is seen, so a client that answers it continues from it.
                            (_messages, _run, _busy) = ([.. transcript], null, false);
                            _unsaved++;
                        }

                        Publish(wire);
                    }
                }
            }
        }
        catch (Exception error)
        {
            // The run faulted (a bug, not a tool's failure: those are outcomes). Say so and free the conversation.
            ChatLog.RunFaulted(_logger, error, Conversation.Id);
            lock (_lock)
            {
                EndFaulted("run_faulted", error.Message);
                (_run, _busy) = (null, false);
                _unsaved++;
            }
        }
        finally
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await SaveAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            // The store failed: the conversation goes on in memory; clients are told.
            ChatLog.StoreFailed(_logger, error, Conversation.Id);
            lock (_lock)
            {
                Publish(new DiagnosticReportedEvent("store_failed", error.Message) { Turn = _state.LastTurn, Timestamp = _options.TimeProvider.GetUtcNow() });
            }

            // Kept in memory: what the store lacks must not be forgotten.
            return;
        }

        lock (_lock)
        {
            _unsaved--;
        }

        _idle(this);
    }

    public async ValueTask SaveAsync(CancellationToken cancellationToken)
    {
        // One write at a time, each taking the state when its turn comes, so a later state is never overwritten by an earlier one.
        await _saving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ToolPipelineChatConversation conversation;
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }

                conversation = Conversation with { Messages = [.. _messages], State = _state.ToSnapshot() };
            }

            await _store.UpdateAsync(conversation, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _saving.Release();
        }
    }
}
