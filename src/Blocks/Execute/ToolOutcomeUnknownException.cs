namespace ToolFlow.Blocks;

/// <summary>
/// Thrown by a tool that cannot tell whether its call took effect (the process or node running it was lost mid-call):
/// the call fails as <see cref="ToolCallFailureKind.OutcomeUnknown"/> and the model is told to check before calling it
/// again. It is never retried.
/// </summary>
public sealed class ToolOutcomeUnknownException : Exception
{
    /// <summary>Initializes the exception.</summary>
    public ToolOutcomeUnknownException()
        : this("The call was under way when it was lost; it may or may not have taken effect.")
    {
    }

    /// <summary>Initializes the exception with a message.</summary>
    /// <param name="message">What was lost.</param>
    public ToolOutcomeUnknownException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception with a message and its cause.</summary>
    /// <param name="message">What was lost.</param>
    /// <param name="innerException">The failure that lost it.</param>
    public ToolOutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
