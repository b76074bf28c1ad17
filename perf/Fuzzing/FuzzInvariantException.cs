namespace ToolFlow.Fuzzing;

/// <summary>A parse invariant broke: thrown so that afl-fuzz records the input as a crash.</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
