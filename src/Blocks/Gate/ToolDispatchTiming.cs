namespace ToolFlow.Blocks;

/// <summary>When a complete call may start.</summary>
public enum ToolDispatchTiming
{
    /// <summary>The instant its arguments close, mid-decode. ToolFlow's default.</summary>
    OnCallClosed,

    /// <summary>
    /// Only once the model's response has ended, as <c>FunctionInvokingChatClient</c> does. A baseline for
    /// measurement; with <see cref="ToolExecutionBlockOptions.MaxConcurrency"/> 1 it runs calls one at a time.
    /// </summary>
    AfterResponse,
}
