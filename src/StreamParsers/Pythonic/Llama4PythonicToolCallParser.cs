namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for Llama 4's pythonic tool calls: <c>&lt;|python_start|&gt;[get_weather(city='Paris')]&lt;|python_end|&gt;</c>,
/// where the two tokens are optional and dropped from the text.
/// </summary>
/// <remarks>
/// Calls are read exactly as <see cref="PythonicToolCallParser"/> reads them: a list of calls with literal keyword
/// arguments, each completing at its closing <c>)</c>, malformed lists surfaced as text with a diagnostic.
/// </remarks>
internal sealed class Llama4PythonicToolCallParser : ToolCallTextParser
{
    private readonly PythonicParserCore _core;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Llama4PythonicToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _core = new PythonicParserCore(PythonicDialect.Llama4, Options);
    }

    /// <summary>The format's registry name: <c>llama4_pythonic</c>.</summary>
    public override string Format => "llama4_pythonic";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        _core.Append(chunk, Position, observer);
        Position += chunk.Length;
    }

    /// <inheritdoc/>
    public override void Complete(IToolCallParserObserver observer) => _core.Complete(Position, observer);
}
