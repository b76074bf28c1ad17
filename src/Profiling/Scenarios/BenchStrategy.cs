namespace ToolFlow.Profiling;

/// <summary>The strategies the bench compares on the same scenario and seed.</summary>
public enum BenchStrategy
{
    /// <summary>Every call held until the response ends, then run one at a time (<c>FunctionInvokingChatClient</c>'s default).</summary>
    Sequential,

    /// <summary>Every call held until the response ends, then all run at once (its concurrent option).</summary>
    AfterDecode,

    /// <summary>ToolFlow's await mode: each call starts the instant it closes; a turn's results go back together.</summary>
    Await,

    /// <summary>ToolFlow's futures mode (AsyncFC): turns end with their response; pending calls become futures.</summary>
    Futures,

    /// <summary>ToolFlow's plan mode (LLMCompiler): the planner streams the scenario's plan; only for plan scenarios.</summary>
    Plan,
}
