namespace ToolFlow.StreamParsers;

/// <summary>
/// Receives what a streaming tool-call parser finds, synchronously and in input order.
/// </summary>
/// <remarks>
/// Spans are only valid for the duration of the call; copy them to keep them. A parser never calls an
/// observer concurrently with itself.
/// </remarks>
public interface IToolCallParserObserver
{
    /// <summary>Plain assistant text that is not part of any tool call.</summary>
    /// <param name="text">The text.</param>
    void OnText(ReadOnlySpan<char> text);

    /// <summary>Reasoning ("thinking") text, for formats that mark it.</summary>
    /// <param name="text">The text.</param>
    void OnReasoning(ReadOnlySpan<char> text);

    /// <summary>A tool call has begun and its name is known; its arguments may still be streaming.</summary>
    /// <param name="index">The call's position in the response, from 0.</param>
    /// <param name="id">The provider's call id, when the format carries one.</param>
    /// <param name="name">The tool name.</param>
    void OnCallStarted(int index, string? id, string name);

    /// <summary>A fragment of a started call's arguments text.</summary>
    /// <param name="index">The call's position in the response.</param>
    /// <param name="fragment">The fragment.</param>
    void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment);

    /// <summary>A call is complete: it may run now.</summary>
    /// <param name="call">The call.</param>
    void OnCallCompleted(ParsedToolCall call);

    /// <summary>A started call can never complete (for example the stream ended inside its arguments).</summary>
    /// <param name="index">The call's position in the response.</param>
    /// <param name="reason">Why it was abandoned.</param>
    void OnCallAborted(int index, string reason);

    /// <summary>Something in the input was not as the format expects; parsing continues.</summary>
    /// <param name="diagnostic">What was found.</param>
    void OnDiagnostic(ParserDiagnostic diagnostic);
}
