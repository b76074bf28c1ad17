namespace ToolFlow.Profiling;

/// <summary>
/// How tool calls are run, for side-by-side measurement on the same work. <see cref="Sequential"/> and
/// <see cref="AfterDecode"/> are ToolFlow's pipeline holding calls as the standard runners do; <see cref="Ficc"/>,
/// <see cref="FiccConcurrent"/>, <see cref="Agent"/> and <see cref="AgentConcurrent"/> are those runners themselves
/// (see <see cref="ExecutionStrategyExtensions.RealLibrary"/>).
/// </summary>
public enum ExecutionStrategy
{
    /// <summary>ToolFlow's pipeline holding every call until the model's stream ends, then running them one at a time (<c>FunctionInvokingChatClient</c>'s default policy).</summary>
    Sequential,

    /// <summary>ToolFlow's pipeline holding every call until the model's stream ends, then running them all at once (its concurrent policy).</summary>
    AfterDecode,

    /// <summary>ToolFlow's await mode: each call starts the instant its arguments close; a turn's results go back together.</summary>
    Await,

    /// <summary>ToolFlow's futures mode (AsyncFC): turns end with their response; pending calls become futures.</summary>
    Futures,

    /// <summary>ToolFlow's plan mode (LLMCompiler): a planner streams a plan whose steps run as their inputs arrive; for scenarios, only plan scenarios.</summary>
    Plan,

    /// <summary>The real <c>Microsoft.Extensions.AI</c> <c>FunctionInvokingChatClient</c>, as built: calls run one at a time once the model's stream ends.</summary>
    Ficc,

    /// <summary>The real <c>FunctionInvokingChatClient</c> with <c>AllowConcurrentInvocation</c>: calls run together once the model's stream ends.</summary>
    FiccConcurrent,

    /// <summary>The Microsoft Agent Framework's real <c>ChatClientAgent</c> (<c>Microsoft.Agents.AI</c>), as built, streaming its run.</summary>
    Agent,

    /// <summary>The real <c>ChatClientAgent</c> with its <c>AllowConcurrentInvocation</c> option.</summary>
    AgentConcurrent,
}
