namespace ToolFlow.Orleans;

/// <summary>
/// One attempt of one tool call, run on a worker silo that hosts the tool. The grain's key names the tool and the
/// attempt (<c>{tool}/{scope}/{callId}/{attempt}.{rerun}</c>, the tool escaped as a URI data string), so the placement
/// reads the tool from it and a re-run after a silo is lost is a new activation, placed anew.
/// </summary>
public interface IToolCallGrain : IGrainWithStringKey
{
    /// <summary>Runs the call's tool on this silo.</summary>
    /// <param name="request">The call.</param>
    /// <param name="cancellationToken">Cancels the call; Orleans carries the cancellation to the silo running it.</param>
    /// <returns>The tool's result and where it ran.</returns>
    Task<RemoteToolResult> InvokeAsync(RemoteToolRequest request, CancellationToken cancellationToken);
}
