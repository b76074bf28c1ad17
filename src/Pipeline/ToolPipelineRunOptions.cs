namespace ToolFlow.Pipeline;

/// <summary>
/// What names a run (<see cref="ToolPipeline.Start(IEnumerable{Microsoft.Extensions.AI.ChatMessage}, ToolPipelineRunOptions, CancellationToken)"/>):
/// the id the ledger records it under, which <see cref="ToolPipeline.ResumeAsync"/> takes, and the conversation it
/// belongs to.
/// </summary>
public sealed class ToolPipelineRunOptions
{
    /// <summary>The largest id accepted, in characters.</summary>
    public const int MaxIdLength = 256;

    /// <summary>
    /// The run's id, unique in the ledger; <see langword="null"/> (the default) for a new random one. At most
    /// <see cref="MaxIdLength"/> characters, not empty. A pipeline with a ledger derives each side-effecting call's
    /// idempotency key from it.
    /// </summary>
    public string? RunId
    {
        get;
        set => field = ValidateId(value, nameof(RunId));
    }

    /// <summary>The conversation the run belongs to; <see langword="null"/> (the default) for the run's own id.</summary>
    public string? ConversationId
    {
        get;
        set => field = ValidateId(value, nameof(ConversationId));
    }

    private static string? ValidateId(string? value, string name)
    {
        if (value is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxIdLength, name);
        }

        return value;
    }
}
