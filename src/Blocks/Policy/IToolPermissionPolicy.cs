namespace ToolFlow.Blocks;

/// <summary>
/// Decides whether a call may run, and again whether its result may be used once it arrives: permissions can be
/// revoked while a call runs, and a result whose permission was revoked is quarantined, never merged.
/// </summary>
public interface IToolPermissionPolicy
{
    /// <summary>Checks a call at a checkpoint.</summary>
    /// <param name="call">The call, with its arguments.</param>
    /// <param name="checkpoint">Dispatch (before the body starts) or result (before the result is merged).</param>
    /// <param name="cancellationToken">Cancelled when the call is.</param>
    /// <returns>The decision; it is recorded with the call.</returns>
    ValueTask<ToolPermissionDecision> CheckAsync(ToolCall call, ToolPermissionCheckpoint checkpoint, CancellationToken cancellationToken);
}
