namespace ToolFlow.Profiling;

/// <summary>A scenario file is not valid; the message names the file and the JSON path of the faulty field.</summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Initializes the exception.</summary>
    public ScenarioException()
    {
    }

    /// <summary>Initializes the exception.</summary>
    /// <param name="message">The message.</param>
    public ScenarioException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes the exception for one field.</summary>
    /// <param name="source">The file.</param>
    /// <param name="fieldPath">The field's JSON path, such as <c>$.tools.search.latency.ms</c>.</param>
    /// <param name="problem">What is wrong.</param>
    public ScenarioException(string source, string fieldPath, string problem)
        : base($"{source}: {fieldPath}: {problem}")
    {
        Source = source;
        FieldPath = fieldPath;
    }

    /// <summary>The JSON path of the faulty field, when known.</summary>
    public string? FieldPath { get; }
}
