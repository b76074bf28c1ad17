namespace ToolFlow.Blocks;

/// <summary>A reference could not be resolved: no such call, or no such field in its result.</summary>
public sealed class ToolReferenceException : Exception
{
    /// <summary>Initializes the exception.</summary>
    public ToolReferenceException()
    {
    }

    /// <summary>Initializes the exception.</summary>
    /// <param name="message">What could not be resolved.</param>
    public ToolReferenceException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception.</summary>
    /// <param name="message">What could not be resolved.</param>
    /// <param name="innerException">The cause.</param>
    public ToolReferenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
