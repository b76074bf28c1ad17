namespace ToolFlow.Blocks;

/// <summary>
/// What asking a policy came to: its decision (a refusal when the policy failed or took too long, with a diagnostic
/// saying so), or no decision when the call's token fired first.
/// </summary>
/// <param name="Decision">The decision; <see langword="null"/> when the check was cancelled with its call.</param>
/// <param name="Diagnostic">Why the policy's own answer was not used (it threw or timed out), for the event stream.</param>
internal readonly record struct PermissionAnswer(ToolPermissionDecision? Decision, DiagnosticReported? Diagnostic = null);
