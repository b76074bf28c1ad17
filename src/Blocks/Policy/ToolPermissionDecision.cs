namespace ToolFlow.Blocks;

/// <summary>What a <see cref="IToolPermissionPolicy"/> decided about a call at one checkpoint.</summary>
/// <param name="Allowed">Whether the call may go on (at dispatch) or its result may be used (at result).</param>
/// <param name="Policy">The policy's name, as recorded in the ledger.</param>
/// <param name="Revision">The version of the permissions in force, as recorded in the ledger; <see langword="null"/> if the policy has none.</param>
/// <param name="Reason">Why, for a refusal: told to the model and the caller; <see langword="null"/> for nothing.</param>
public sealed record ToolPermissionDecision(bool Allowed, string Policy, string? Revision = null, string? Reason = null);
