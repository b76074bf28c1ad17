namespace ToolFlow.Blocks;

/// <summary>A call's failure decided outside its tool (by a hook), with its kind and what the model is told.</summary>
internal sealed class ToolCallOutcomeException(ToolCallFailureKind kind, string message, string resultForModel) : Exception(message)
{
    public ToolCallFailureKind Kind { get; } = kind;

    public string ResultForModel { get; } = resultForModel;
}
