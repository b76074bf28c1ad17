using System.Reactive.Subjects;

namespace ToolFlow.Blocks;

/// <summary>
/// A response whose turn waits for outcomes still to come: it observes each of them and, when the last completes,
/// hands the turn back to the merge block. A join written for this one case (a count, no values kept), because Rx's
/// <c>ForkJoin</c> costs several objects per call on the result path; see the merge block's remarks.
/// </summary>
/// <param name="response">The response.</param>
/// <param name="outcomes">One outcome per call of the response, in call order.</param>
/// <param name="complete">Completes the turn (the merge block's, made once per block).</param>
internal sealed class PendingTurn(ResponseCompleted response, AsyncSubject<ToolPipelineEvent>[] outcomes, Action<ResponseCompleted, AsyncSubject<ToolPipelineEvent>[]> complete)
    : IObserver<ToolPipelineEvent>
{
    private int _remaining;

    /// <summary>Waits for <paramref name="outcome"/> too, which has not completed yet.</summary>
    public void Await(AsyncSubject<ToolPipelineEvent> outcome)
    {
        _remaining++;
        outcome.Subscribe(this);
    }

    public void OnNext(ToolPipelineEvent value)
    {
        // The values are read back from the outcomes, in call order, when the last one is in.
    }

    public void OnError(Exception error) =>
        throw new InvalidOperationException("Unreachable: call outcomes complete with a value, never an error.", error);

    public void OnCompleted()
    {
        if (--_remaining == 0)
        {
            complete(response, outcomes);
        }
    }
}
