namespace ToolFlow.Profiling;

/// <summary>How tool calls are run, for side-by-side measurement on the same work.</summary>
public enum ExecutionStrategy
{
    /// <summary>Hold every call until the model's stream ends, then run them one at a time (<c>FunctionInvokingChatClient</c>'s default).</summary>
    Sequential,

    /// <summary>Hold every call until the model's stream ends, then run them all at once (its concurrent option).</summary>
    AfterDecode,

    /// <summary>ToolFlow's await mode: each call starts the instant its arguments close; a turn's results go back together.</summary>
    Await,

    /// <summary>ToolFlow's futures mode (AsyncFC): turns end with their response; pending calls become futures.</summary>
    Futures,

    /// <summary>ToolFlow's plan mode (LLMCompiler): a planner streams a plan whose steps run as their inputs arrive; for scenarios, only plan scenarios.</summary>
    Plan,
}
