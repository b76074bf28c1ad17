using ToolFlow.StreamParsers;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>An observer that only counts what it is told, so that it costs nothing and allocates nothing.</summary>
public sealed class CountingObserver : IToolCallParserObserver
{
    /// <summary>Characters of text reported.</summary>
    public long TextLength { get; private set; }

    /// <summary>Calls completed.</summary>
    public int Calls { get; private set; }

    /// <summary>Diagnostics reported.</summary>
    public int Diagnostics { get; private set; }

    /// <inheritdoc/>
    public void OnText(ReadOnlySpan<char> text) => TextLength += text.Length;

    /// <inheritdoc/>
    public void OnReasoning(ReadOnlySpan<char> text)
    {
    }

    /// <inheritdoc/>
    public void OnCallStarted(int index, string? id, string name)
    {
    }

    /// <inheritdoc/>
    public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment)
    {
    }

    /// <inheritdoc/>
    public void OnCallCompleted(ParsedToolCall call) => Calls++;

    /// <inheritdoc/>
    public void OnCallAborted(int index, string reason)
    {
    }

    /// <inheritdoc/>
    public void OnDiagnostic(ParserDiagnostic diagnostic) => Diagnostics++;
}
