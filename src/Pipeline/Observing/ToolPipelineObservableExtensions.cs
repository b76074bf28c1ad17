using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Rx operators for UIs over a run's events (<see cref="ToolPipeline.Observe"/>): each call's progress as its own
/// stream, and assistant text coalesced on a scheduler. Disposing a subscription to <see cref="ToolPipeline.Observe"/>
/// cancels the run, whatever operators stand between.
/// </summary>
public static class ToolPipelineObservableExtensions
{
    /// <summary>
    /// Splits the events into one stream per tool call, keyed by call id, in the order calls first appear. A call's
    /// stream holds its lifecycle and argument deltas (<see cref="ToolCallDetected"/>, <see cref="ToolArgumentsDelta"/>,
    /// <see cref="ToolCallClosed"/>, <see cref="ToolCallWaiting"/>, <see cref="ToolCallApprovalRequested"/>,
    /// <see cref="ToolCallDeduplicated"/>, <see cref="ToolCallStarted"/>, <see cref="ToolCallProgressed"/>,
    /// <see cref="ToolCallRetrying"/>, <see cref="ToolCallPermissionChecked"/>, <see cref="ToolResultQuarantined"/>) and ends with its outcome (<see cref="ToolCallCompleted"/> or
    /// <see cref="ToolCallFailed"/>), or with the run.
    /// </summary>
    /// <param name="events">A run's events.</param>
    /// <returns>The calls, each a stream that completes when the call ends.</returns>
    /// <remarks>As with any Rx group, subscribe to a call's stream when it arrives, or its first events are missed.</remarks>
    public static IObservable<IGroupedObservable<string, ToolPipelineEvent>> ByCall(this IObservable<ToolPipelineEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events
            .Where(static e => CallIdOf(e) is not null)
            .GroupByUntil(static e => CallIdOf(e)!, static call => call.Where(static e => e is ToolCallCompleted or ToolCallFailed));
    }

    /// <summary>
    /// Merges runs of <see cref="TextDelta"/>s so a UI redraws text at most once per <paramref name="window"/>: a run is
    /// held from its first delta until <paramref name="window"/> has passed on <paramref name="scheduler"/>, then goes
    /// out as one delta (with the sequence number and time of the last it holds). Any other event, a delta of
    /// another turn, or the end of the stream sends the held text first, so the order of events is kept.
    /// </summary>
    /// <param name="events">A run's events.</param>
    /// <param name="window">How long a run of text may be held; zero holds nothing past the next event.</param>
    /// <param name="scheduler">The scheduler the window is measured on.</param>
    /// <returns>The events with text coalesced.</returns>
    public static IObservable<ToolPipelineEvent> CoalesceText(this IObservable<ToolPipelineEvent> events, TimeSpan window, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        return Observable.Create<ToolPipelineEvent>(observer =>
        {
            var coalescer = new TextCoalescer(observer, window, scheduler);
            return StableCompositeDisposable.Create(events.SubscribeSafe(coalescer), coalescer);
        });
    }

    private static string? CallIdOf(ToolPipelineEvent e) => e switch
    {
        ToolCallDetected detected => detected.CallId,
        ToolArgumentsDelta delta => delta.CallId,
        ToolCallClosed closed => closed.Call.CallId,
        ToolCallWaiting waiting => waiting.Call.CallId,
        ToolCallApprovalRequested approval => approval.Call.CallId,
        ToolCallDeduplicated deduplicated => deduplicated.Call.CallId,
        ToolCallStarted started => started.Call.CallId,
        ToolCallProgressed progressed => progressed.Call.CallId,
        ToolCallRetrying retrying => retrying.Call.CallId,
        ToolCallCompleted completed => completed.Call.CallId,
        ToolCallFailed failed => failed.Call.CallId,
        ToolCallPermissionChecked permission => permission.Call.CallId,
        ToolResultQuarantined quarantined => quarantined.Call.CallId,
        _ => null,
    };
}
