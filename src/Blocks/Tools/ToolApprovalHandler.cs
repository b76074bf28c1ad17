namespace ToolFlow.Blocks;

/// <summary>Decides whether a call to a tool that needs approval may run.</summary>
/// <param name="call">The call, with its final arguments.</param>
/// <param name="cancellationToken">Cancelled when the call or the run is.</param>
/// <returns><see langword="true"/> to run the call, <see langword="false"/> to reject it.</returns>
public delegate ValueTask<bool> ToolApprovalHandler(ToolCall call, CancellationToken cancellationToken);
