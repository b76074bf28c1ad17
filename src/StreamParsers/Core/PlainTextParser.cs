namespace ToolFlow.StreamParsers;

/// <summary>A <see cref="ToolCallTextParser"/> for responses without tool calls: every character is text.</summary>
/// <remarks>Chunks are passed to <see cref="IToolCallParserObserver.OnText"/> as they are, without copying.</remarks>
public sealed class PlainTextParser : ToolCallTextParser
{
    private bool _isCompleted;

    /// <summary>Initializes the parser.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public PlainTextParser(ToolCallParserOptions? options = null)
        : base(options)
    {
    }

    /// <summary>The format's registry name: <c>text</c>.</summary>
    public override string Format => "text";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            throw new InvalidOperationException("The parser has already completed.");
        }

        if (!chunk.IsEmpty)
        {
            observer.OnText(chunk);
        }

        Position += chunk.Length;
    }

    /// <inheritdoc/>
    public override void Complete(IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _isCompleted = true;
    }
}
