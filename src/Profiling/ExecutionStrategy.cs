namespace ToolFlow.Profiling;

/// <summary>How tool calls are run, for side-by-side measurement.</summary>
public enum ExecutionStrategy
{
    /// <summary>Hold every call until the model's stream ends, then run them one at a time (<c>FunctionInvokingChatClient</c>'s default).</summary>
    Sequential,

    /// <summary>Hold every call until the model's stream ends, then run them all at once (its concurrent option).</summary>
    AfterDecode,

    /// <summary>ToolFlow's await mode: each call starts the instant its arguments close.</summary>
    Await,
}
