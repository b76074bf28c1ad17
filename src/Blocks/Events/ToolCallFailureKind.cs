namespace ToolFlow.Blocks;

/// <summary>Why a call ended without a result.</summary>
public enum ToolCallFailureKind
{
    /// <summary>The tool threw an exception.</summary>
    ToolException,

    /// <summary>No tool of that name is registered.</summary>
    UnknownTool,

    /// <summary>The arguments were not a valid JSON object.</summary>
    InvalidArguments,

    /// <summary>The call was cancelled before it finished.</summary>
    Cancelled,
}
