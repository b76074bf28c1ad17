namespace ToolFlow.Pipeline;

/// <summary>How a recorded call ended.</summary>
public enum ToolCallLedgerOutcome
{
    /// <summary>Not yet ended (or the run was interrupted before it did).</summary>
    Pending,

    /// <summary>The tool returned a result.</summary>
    Succeeded,

    /// <summary>The call failed (see <see cref="ToolCallLedgerEntry.FailureKind"/>).</summary>
    Failed,
}
