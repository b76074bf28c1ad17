namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>A Python exception raised by a C# port of a NESTFUL function: <see cref="PythonType"/> is its Python class.</summary>
internal sealed class PythonException(string pythonType, string message) : Exception($"{pythonType}: {message}")
{
    public string PythonType { get; } = pythonType;

    public static PythonException TypeError(string message) => new("TypeError", message);

    public static PythonException ValueError(string message) => new("ValueError", message);

    public static PythonException ZeroDivisionError(string message) => new("ZeroDivisionError", message);

    public static PythonException OverflowError(string message) => new("OverflowError", message);
}
