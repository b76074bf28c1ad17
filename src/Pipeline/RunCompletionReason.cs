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
}
