namespace ToolFlow.Orleans;

/// <summary>
/// One attempt of one tool call, run on a worker silo that hosts the tool. The grain's key names the tool and the
/// attempt (<c>{tool}/{scope}/{callId}/{attempt}.{rerun}</c>, the tool escaped as a URI data string), so the placement
/// reads the tool from it and a re-run after a silo is lost is a new activation, placed anew.
/// </summary>
public interface IToolCallGrain : IGrainWithStringKey
{
    /// <summary>The longest a remote call waits for its answer, one day (<see cref="TimeSpan.Parse(string)"/> syntax).</summary>
    const string MaxCallDuration = "1.00:00:00";

    /// <summary>Runs the call's tool on this silo.</summary>
    /// <param name="request">The call.</param>
    /// <param name="cancellationToken">Cancels the call; Orleans carries the cancellation to the silo running it.</param>
    /// <returns>The tool's result and where it ran.</returns>
    /// <remarks>
    /// Orleans fails a call not answered within its response timeout (30 s by default); a tool's body may take longer,
    /// so this call waits up to <see cref="MaxCallDuration"/>. The call's own deadline (its token) is the bound that
    /// matters, and a silo declared dead fails the calls waiting on it.
    /// </remarks>
    [ResponseTimeout(MaxCallDuration)]
    Task<RemoteToolResult> InvokeAsync(RemoteToolRequest request, CancellationToken cancellationToken);
}
