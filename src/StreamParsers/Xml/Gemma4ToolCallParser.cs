namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the Gemma 4 tool-call format, registered as <c>gemma4</c>:
/// <c>&lt;|tool_call&gt;call:get_weather{city:&lt;|"|&gt;Paris&lt;|"|&gt;,days:3}&lt;tool_call|&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// The arguments are a JSON-like object with bare keys and strings quoted by the token <c>&lt;|"|&gt;</c>; they are
/// rewritten as JSON while they arrive, so they stream. A bare value is JSON when it reads as a JSON literal or
/// number (at the top level, typed by the tool's schema) and a string otherwise. The call completes at the
/// <c>}</c> that closes the object, in the chunk that holds it.
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class Gemma4ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Gemma4ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new Gemma4CallReader(Options);
    }

    /// <summary>The format's registry name: <c>gemma4</c>.</summary>
    public override string Format => "gemma4";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        _reader.Append(chunk, observer);
        Position = _reader.Position;
    }

    /// <inheritdoc/>
    public override void Complete(IToolCallParserObserver observer) => _reader.Complete(observer);
}
