using Microsoft.AspNetCore.Http;

namespace ToolFlow.WireTesting;

/// <summary>What a <see cref="LoopbackServer"/> answers to one request.</summary>
public abstract class ScriptedHttpResponse
{
    private readonly TaskCompletionSource<RecordedRequest> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Completes with the request once the server has it.</summary>
    public Task<RecordedRequest> Received => _received.Task;

    /// <summary>Writes the response.</summary>
    /// <param name="context">The request's context.</param>
    /// <param name="request">The request, as recorded.</param>
    /// <returns>A task that ends with the response.</returns>
    internal async Task WriteAsync(HttpContext context, RecordedRequest request)
    {
        _received.TrySetResult(request);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _cancellation.Token);
        try
        {
            await WriteCoreAsync(context, linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            OnEnded();
        }
    }

    /// <summary>Stops a response that waits for a step, when the server stops.</summary>
    internal void Cancel() => _cancellation.Cancel();

    /// <summary>Writes the response.</summary>
    /// <param name="context">The request's context.</param>
    /// <param name="cancellationToken">Fires when the client goes away or the server stops.</param>
    /// <returns>A task that ends with the response.</returns>
    protected abstract Task WriteCoreAsync(HttpContext context, CancellationToken cancellationToken);

    /// <summary>Called once the response is over, however it ended.</summary>
    protected virtual void OnEnded()
    {
    }
}
