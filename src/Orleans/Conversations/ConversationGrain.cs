using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Storage;
using ToolFlow.AspNetCore;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Orleans;

/// <summary>
/// A conversation hosted in a grain: the same hub as the local endpoints (runs, ids, fold, replay log, subscribers)
/// with its record and ledger in grain storage. The hub's run and its saves go on the thread pool and write the
/// storage directly (<see cref="GrainStateStore{T}"/>); the grain's methods only hand requests to the hub.
/// </summary>
/// <remarks>
/// Placed on the silo that received the create (the web node that serves its first client). An activation finds
/// the stored record; if that record says a run was going (its node was lost, or its silo stopped mid-turn), the run
/// is resumed from the conversation's ledger (completed calls are not run again), or, when it cannot be (the
/// pipeline keeps no ledger, the ledger lacks the run), the turn is ended with a <c>turn_lost</c> diagnostic and the
/// conversation continues from its stored transcript. Event ids go on past <see cref="IdGapAfterLostTurn"/> after
/// such a turn, since the lost node may have sent ids the store never saw.
/// </remarks>
[PreferLocalPlacement]
internal sealed partial class ConversationGrain(
    ConversationPipelineFactory pipelineFactory,
    IOptions<ToolPipelineChatOptions> chatOptions,
    IOptions<ToolFlowConversationsOptions> options,
    ILoggerFactory loggers) : Grain, IConversationGrain
{
    /// <summary>How far event ids jump after a turn cut short by a lost node: more than such a turn's events.</summary>
    public const long IdGapAfterLostTurn = 1L << 20;

    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger = loggers.CreateLogger("ToolFlow.AspNetCore.ConversationHub");
    private ConversationRecordStore? _store;
    private GrainStorageToolCallLedger? _ledger;
    private ConversationHub? _hub;
    private IGrainTimer? _keepAlive;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        IGrainStorage storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(options.Value.StorageName);
        var record = new GrainStateStore<ConversationRecord>(storage, "toolflow.conversation", this.GetGrainId());
        _store = new ConversationRecordStore(record);
        _ledger = new GrainStorageToolCallLedger(new GrainStateStore<LedgerRecord>(storage, "toolflow.ledger", this.GetGrainId()));
        ConversationRecord? stored = await record.ReadAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        if (ConversationRecordStore.Load(Id, stored) is not { } conversation)
        {
            return;
        }

        await _ledger.LoadAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        if (conversation.State.Running)
        {
            await RecoverAsync(conversation, stored!, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        else
        {
            _hub = NewHub(conversation);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Streams end and the run stops; a run stopped here left its record "running", so the next activation resumes it.
        await _stopping.CancelAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        if (_hub is not { } hub)
        {
            return;
        }

        if (hub.RunningFrom is null)
        {
            // The last run has ended: its save is let finish, so the record is the conversation as it is.
            await hub.Consuming.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        }
        else
        {
            // A run under way goes with this activation as if its node were lost: the ledger keeps what it had.
            _ledger!.Detach();
        }

        await hub.ShutdownAsync().AsTask().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    public async Task<bool> CreateAsync(string owner, Dictionary<string, string> settings, int maxPerOwner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(settings);
        if (_hub is not null)
        {
            throw new InvalidOperationException($"The conversation '{Id}' exists already.");
        }

        IConversationOwnerGrain owners = GrainFactory.GetGrain<IConversationOwnerGrain>(owner);
        if (!await owners.TryAddAsync(Id, maxPerOwner, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext))
        {
            DeactivateOnIdle();
            return false;
        }

        DateTimeOffset createdAt = chatOptions.Value.TimeProvider.GetUtcNow();
        var conversation = new ToolPipelineChatConversation(Id, owner, settings, createdAt, [], ChatState.Empty(Id, createdAt));
        try
        {
            await _store!.Record.WriteAsync(stored => ConversationRecordStore.ToRecord(conversation, stored), cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        catch
        {
            // Not stored: the owner's place is given back.
            await owners.RemoveAsync(Id, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            throw;
        }

        _hub = NewHub(conversation);
        return true;
    }

    public Task<bool> IsOwnedByAsync(string owner, CancellationToken cancellationToken) => Task.FromResult(HubOf(owner) is not null);

    public Task<string?> SnapshotAsync(string owner, CancellationToken cancellationToken) =>
        Task.FromResult(HubOf(owner) is { } hub ? JsonSerializer.Serialize(hub.Snapshot(), ChatJsonContext.Default.ToolPipelineChatSnapshot) : null);

    public async Task<ConversationTurnResult> StartTurnAsync(string owner, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (HubOf(owner) is not { } hub)
        {
            return new ConversationTurnResult(ConversationTurnOutcome.NotFound);
        }

        string runId = Guid.NewGuid().ToString("N");
        var host = new ChatTurnHost(null, ServiceProvider, _ledger, new ToolPipelineRunOptions { RunId = runId, ConversationId = Id });
        ChatTurnStart start;
        try
        {
            start = hub.TryStartTurn(message, host, pipelineFactory.Create);
        }
        catch (ArgumentException e)
        {
            return new ConversationTurnResult(ConversationTurnOutcome.InvalidSettings, e.Message);
        }

        if (start != ChatTurnStart.Started)
        {
            return new ConversationTurnResult(start == ChatTurnStart.TurnRunning ? ConversationTurnOutcome.TurnRunning : ConversationTurnOutcome.NotFound);
        }

        // Stored as running with its run id before the request returns: a node lost from here on loses no turn.
        _store!.MarkRun(runId, hub.RunningFrom ?? 0);
        await SaveAsync(hub, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        KeepAliveWhileRunning();
        return new ConversationTurnResult(ConversationTurnOutcome.Started);
    }

    public Task<ConversationControlResult> ControlAsync(string owner, ConversationControl control, string? callId, string? reason, CancellationToken cancellationToken)
    {
        if (HubOf(owner) is not { } hub)
        {
            return Task.FromResult(new ConversationControlResult(ToolControlResult.UnknownCall));
        }

        if (control == ConversationControl.CancelTurn)
        {
            return Task.FromResult(new ConversationControlResult(hub.CancelTurn()));
        }

        ArgumentException.ThrowIfNullOrEmpty(callId);
        ChatCallControl call = control switch
        {
            ConversationControl.CancelCall => ChatCallControl.Cancel,
            ConversationControl.CancelBranch => ChatCallControl.CancelBranch,
            ConversationControl.Approve => ChatCallControl.Approve,
            ConversationControl.Deny => ChatCallControl.Deny,
            _ => throw new ArgumentOutOfRangeException(nameof(control), control, "Not a control."),
        };
        ToolControlResult result = hub.Control(callId, call, reason, out int cancelled);
        return Task.FromResult(new ConversationControlResult(result, cancelled));
    }

    public async IAsyncEnumerable<ConversationStreamItem> EventsAsync(
        string owner, long? lastEventId, int bufferCapacity, int maxStreams, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStreams, 1);
        ChatSubscription? subscription = null;
        bool full = false;
        if (HubOf(owner) is not { } hub || (subscription = hub.Subscribe(lastEventId, bufferCapacity, maxStreams, out full)) is null)
        {
            yield return new ConversationStreamItem(full ? ConversationStreamItemKind.Full : ConversationStreamItemKind.NotFound);
            yield break;
        }

        yield return new ConversationStreamItem(ConversationStreamItemKind.Opened);
        await foreach (SseItem<string> item in ChatEndpoints.StreamAsync(hub, subscription, _stopping.Token, cancellationToken).ConfigureAwait(true))
        {
            yield return new ConversationStreamItem(ConversationStreamItemKind.Event, item.EventType, item.Data, item.EventId);
        }
    }

    public async Task<bool> DeleteAsync(string owner, CancellationToken cancellationToken)
    {
        if (HubOf(owner) is not { } hub)
        {
            return false;
        }

        _hub = null;
        await hub.ShutdownAsync().AsTask().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        await _store!.Record.ClearAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        await _ledger!.ClearAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        await GrainFactory.GetGrain<IConversationOwnerGrain>(owner).RemoveAsync(Id, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        DeactivateOnIdle();
        return true;
    }

    // The conversation's hub if it exists and is the owner's; the same null for both, so existence is not revealed.
    private ConversationHub? HubOf(string owner) => _hub is { } hub && hub.Conversation.Owner == owner ? hub : null;

    private ConversationHub NewHub(ToolPipelineChatConversation conversation) => new(conversation, chatOptions.Value, _store!, static _ => { }, _logger);

    // A run stopped by a lost node (or a silo that stopped): resumed from the ledger if it can be, else ended as lost.
    private async Task RecoverAsync(ToolPipelineChatConversation conversation, ConversationRecord stored, CancellationToken cancellationToken)
    {
        int firstTurn = stored.RunFirstTurn;
        ToolPipelineChatSnapshot state = conversation.State with { Id = conversation.State.Id + IdGapAfterLostTurn };
        string? why = null;
        ToolPipelineRun? run = null;
        try
        {
            if (stored.RunId is not { } runId || await _ledger!.ReadRunAsync(runId, cancellationToken).AsTask().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext) is null)
            {
                why = "its pipeline keeps no ledger (build it WithLedger(context.Ledger))";
            }
            else
            {
                ToolPipeline pipeline = pipelineFactory.Create(new ChatTurnHost(null, ServiceProvider, _ledger).ContextFor(conversation, firstTurn));
                run = await pipeline.ResumeAsync(runId, cancellationToken).AsTask().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                _store!.MarkRun(runId, firstTurn);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            why = e.Message;
        }

        if (run is not null)
        {
            // The resumed run sends its turns again (replayed ones from the ledger): the state drops what they rebuild.
            ConversationHub hub = _hub = NewHub(conversation with { State = Rewind(state, firstTurn) });
            hub.Report("turn_resumed", $"The turn was interrupted when its node was lost; it resumes from the ledger, without running its completed calls again.");
            if (hub.TryAdopt(run, firstTurn))
            {
                KeepAliveWhileRunning();
            }

            return;
        }

        ConversationHub lost = _hub = NewHub(conversation with { State = state });
        lost.EndLostTurn("turn_lost", $"The turn was interrupted when its node was lost and could not be resumed: {why} The conversation continues from its last stored turn.");
        LogTurnLost(_logger, Id, why!);
        await SaveAsync(lost, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    private static ToolPipelineChatSnapshot Rewind(ToolPipelineChatSnapshot state, int fromTurn) => state with
    {
        Messages = [.. state.Messages.Where(m => m.Role == "user" || m.Turn < fromTurn)],
        Calls = [.. state.Calls.Where(c => c.Turn < fromTurn)],
        Turns = [.. state.Turns.Where(t => t.Turn < fromTurn)],
    };

    private async Task SaveAsync(ConversationHub hub, CancellationToken cancellationToken)
    {
        try
        {
            await hub.SaveAsync(cancellationToken).AsTask().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The turn goes on; the hub saves again when it ends, and says so to clients if that fails too.
            LogSaveFailed(_logger, e, Id);
        }
    }

    // An activation with a run going must not be collected as idle: a timer keeps it alive until the run has ended.
    private void KeepAliveWhileRunning()
    {
        if (_keepAlive is not null || _hub is not { } hub)
        {
            return;
        }

        _keepAlive = this.RegisterGrainTimer(
            static _ => Task.CompletedTask,
            new GrainTimerCreationOptions { DueTime = TimeSpan.FromMinutes(1), Period = TimeSpan.FromMinutes(1), KeepAlive = true, Interleave = true });
        _ = ReleaseWhenDoneAsync(hub.Consuming);
    }

    // Runs on the activation's scheduler (grain code): the timer is the activation's.
    private async Task ReleaseWhenDoneAsync(Task consuming)
    {
        await consuming.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        _keepAlive?.Dispose();
        _keepAlive = null;
        if (_hub?.RunningFrom is not null)
        {
            KeepAliveWhileRunning();
        }
    }

    [LoggerMessage(10, LogLevel.Warning, "Conversation {ConversationId}: the turn interrupted by a lost node could not be resumed ({Reason}); it was ended.")]
    private static partial void LogTurnLost(ILogger logger, string conversationId, string reason);

    [LoggerMessage(11, LogLevel.Error, "Conversation {ConversationId}: its state could not be saved at the start of a turn.")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string conversationId);
}
