namespace ToolFlow.Pipeline;

/// <summary>Why a run ended.</summary>
public enum RunCompletionReason
{
    /// <summary>The model answered without calling a tool.</summary>
    FinalAnswer,

    /// <summary>The model still asked for tools when <see cref="ToolPipelineOptions.MaxTurns"/> turns had run.</summary>
    TurnLimitReached,

    /// <summary>The model's response stream failed; the conversation holds what was received before the failure.</summary>
    ModelFailed,

    /// <summary>
    /// The caller cancelled the turn (<see cref="ToolPipelineRun.CancelTurn"/>): the conversation holds the response
    /// as far as it streamed and every call's outcome, cancelled ones included.
    /// </summary>
    TurnCancelled,

    /// <summary>
    /// The next request would not have fit <see cref="ToolPipelineOptions.ContextWindowTokens"/>, so it was not sent
    /// (see <see cref="ContextWindowExceeded"/>); the conversation holds every turn up to it.
    /// </summary>
    ContextWindowExceeded,
}
