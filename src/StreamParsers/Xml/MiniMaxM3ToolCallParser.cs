namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the MiniMax-M3 tool-call format, registered as <c>minimax_m3</c>: every tag is
/// preceded by the special token <c>]&lt;]minimax[&gt;[</c>, as in
/// <c>]&lt;]minimax[&gt;[&lt;tool_call&gt;\n]&lt;]minimax[&gt;[&lt;invoke name="get_weather"&gt;]&lt;]minimax[&gt;[&lt;city&gt;Paris]&lt;]minimax[&gt;[&lt;/city&gt;]&lt;]minimax[&gt;[&lt;/invoke&gt;\n]&lt;]minimax[&gt;[&lt;/tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// A parameter is an element named after it, typed by the tool's schema; its value may nest elements, read as an
/// object's members or, for <c>&lt;item&gt;</c> elements or an array schema, as an array's items. A parameter whose
/// schema allows a string keeps its value exactly as written. The call completes at <c>&lt;/invoke&gt;</c>.
/// <c>&lt;mm:think&gt;…&lt;/mm:think&gt;</c> is reasoning, and so is text before a lone <c>&lt;/mm:think&gt;</c> at
/// the start of the response.
/// Until a reasoning marker, a call or the end of the response decides it, text at the start of the response is
/// held (at most 8,192 characters, then it streams as text).
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class MiniMaxM3ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public MiniMaxM3ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new MiniMaxM3CallReader(Options);
    }

    /// <summary>The format's registry name: <c>minimax_m3</c>.</summary>
    public override string Format => "minimax_m3";

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
