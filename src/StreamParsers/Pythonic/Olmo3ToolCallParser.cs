namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for OLMo 3's tool calls: pythonic calls one per line inside a block,
/// <c>&lt;function_calls&gt;get_weather(city='Paris')\nnow()&lt;/function_calls&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// Calls in the block may also be separated by commas or written as a bracketed list. Arguments are literal keyword
/// arguments as in <see cref="PythonicToolCallParser"/> (JSON's <c>true</c>, <c>false</c> and <c>null</c> are read
/// too); each call completes at its closing <c>)</c>. Text outside blocks is text.
/// </para>
/// <para>
/// A block that holds something other than calls is reported with a diagnostic and its text (from the marker, or
/// from the end of the last completed call) is surfaced as text; a missing <c>&lt;/function_calls&gt;</c> is reported
/// with <see cref="ParserDiagnosticCodes.CallEndMarkerMissing"/>; an empty block with
/// <see cref="PythonicDiagnosticCodes.CallBlockEmpty"/>.
/// </para>
/// </remarks>
internal sealed class Olmo3ToolCallParser : ToolCallTextParser
{
    private readonly PythonicParserCore _core;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Olmo3ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _core = new PythonicParserCore(PythonicDialect.Olmo3, Options);
    }

    /// <summary>The format's registry name: <c>olmo3</c>.</summary>
    public override string Format => "olmo3";

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
