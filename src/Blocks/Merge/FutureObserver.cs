namespace ToolFlow.Blocks;

/// <summary>
/// Observes the outcomes of calls that became futures, one instance for every future of a merge block. Unlike Rx's
/// own observers it does not stop at the first completion: each future's outcome completes only its own subject.
/// </summary>
/// <param name="resolve">Offers the <see cref="FutureResolved"/> for an outcome.</param>
internal sealed class FutureObserver(Action<ToolPipelineEvent> resolve) : IObserver<ToolPipelineEvent>
{
    public void OnNext(ToolPipelineEvent value) => resolve(value);

    public void OnError(Exception error) =>
        throw new InvalidOperationException("Unreachable: call outcomes complete with a value, never an error.", error);

    public void OnCompleted()
    {
    }
}
