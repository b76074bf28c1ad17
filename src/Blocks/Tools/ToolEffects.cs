namespace ToolFlow.Blocks;

/// <summary>What running a tool does to the world, which decides when a call to it may start.</summary>
public enum ToolEffects
{
    /// <summary>
    /// The tool may change something (sends, writes, pays). Its calls wait until the model's response ends
    /// cleanly, and never run when it ends in length, content filter or error. The default: safe for any tool.
    /// </summary>
    SideEffecting,

    /// <summary>Running the tool twice is the same as running it once. Calls start the instant they close, and may be retried.</summary>
    Idempotent,

    /// <summary>The tool only reads. Calls start the instant they close, and may be retried.</summary>
    ReadOnly,
}
