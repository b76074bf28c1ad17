namespace ToolFlow.Orleans;

/// <summary>
/// One attempt of one tool call, run on a worker silo that hosts the tool. The grain's key names the attempt
/// (<c>{conversation}/{callId}/{attempt}</c>), so a re-run after a silo is lost is a new activation, placed anew.
/// </summary>
public interface IToolCallGrain : IGrainWithStringKey
{
    /// <summary>Runs the call's tool on this silo.</summary>
    /// <param name="request">The call.</param>
    /// <param name="cancellationToken">Cancels the call; Orleans carries the cancellation to the silo running it.</param>
    /// <returns>The tool's result and where it ran.</returns>
    Task<RemoteToolResult> InvokeAsync(RemoteToolRequest request, CancellationToken cancellationToken);
}
