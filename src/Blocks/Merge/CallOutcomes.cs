using System.Reactive.Subjects;

namespace ToolFlow.Blocks;

/// <summary>
/// Each call's outcome as an observable: an <see cref="AsyncSubject{T}"/> that completes with the call's
/// <see cref="ToolCallCompleted"/> or <see cref="ToolCallFailed"/>. Whichever comes first, the outcome or the response
/// that lists the call, makes the subject; the other side takes it out of the table, so the table holds only what
/// one side still waits for.
/// </summary>
/// <remarks>Not thread-safe: the merge block's handler, which runs one message at a time, is its only user.</remarks>
internal sealed class CallOutcomes
{
    private readonly Dictionary<string, AsyncSubject<ToolPipelineEvent>> _waiting = new(StringComparer.Ordinal);

    /// <summary>A call's outcome arrived: completes the subject a response waits on, or holds it for the response to come.</summary>
    /// <param name="callId">The call.</param>
    /// <param name="outcome">Its <see cref="ToolCallCompleted"/> or <see cref="ToolCallFailed"/>.</param>
    public void Record(string callId, ToolPipelineEvent outcome)
    {
        if (_waiting.Remove(callId, out AsyncSubject<ToolPipelineEvent>? waited) && !waited.IsCompleted)
        {
            // Its observers (the turn waiting for it, or its future) run now, on this thread.
            waited.OnNext(outcome);
            waited.OnCompleted();
            return;
        }

        // No response lists the call yet (it closed mid-decode and is already done). A second outcome for the same
        // call replaces the first, as the last word on it.
        var held = new AsyncSubject<ToolPipelineEvent>();
        held.OnNext(outcome);
        held.OnCompleted();
        _waiting[callId] = held;
    }

    /// <summary>A response lists the call: its outcome, complete if it has arrived, otherwise one still to come.</summary>
    /// <param name="callId">The call.</param>
    /// <returns>The call's outcome.</returns>
    public AsyncSubject<ToolPipelineEvent> Claim(string callId)
    {
        if (_waiting.TryGetValue(callId, out AsyncSubject<ToolPipelineEvent>? outcome))
        {
            if (outcome.IsCompleted)
            {
                _waiting.Remove(callId);
            }

            return outcome;
        }

        outcome = new AsyncSubject<ToolPipelineEvent>();
        _waiting.Add(callId, outcome);
        return outcome;
    }
}
