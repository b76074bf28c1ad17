namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for tool calls that a model writes as text (Hermes <c>&lt;tool_call&gt;</c>, ...).
/// Feed it chunks in order; it reports text, calls and diagnostics to an observer as soon as each is known,
/// and never re-reads earlier input.
/// </summary>
/// <remarks>
/// For every way of splitting the same input into chunks, a parser reports the same calls with the same
/// offsets, and the same text once consecutive text reports are joined. A parser is not thread-safe; use one
/// per response.
/// </remarks>
public abstract class ToolCallTextParser
{
    /// <summary>Initializes the parser.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    protected ToolCallTextParser(ToolCallParserOptions? options)
    {
        Options = options ?? ToolCallParserOptions.Default;
    }

    /// <summary>The format's registry name, for example <c>hermes</c>.</summary>
    public abstract string Format { get; }

    /// <summary>The limits in force.</summary>
    public ToolCallParserOptions Options { get; }

    /// <summary>How many characters have been appended so far.</summary>
    public long Position { get; protected set; }

    /// <summary>Parses the next chunk of the response.</summary>
    /// <param name="chunk">The chunk; may be empty.</param>
    /// <param name="observer">Receives what the chunk completes.</param>
    public abstract void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer);

    /// <summary>Ends the input: flushes held-back text and aborts any unfinished call with a diagnostic.</summary>
    /// <param name="observer">Receives what the end of input completes.</param>
    public abstract void Complete(IToolCallParserObserver observer);
}
