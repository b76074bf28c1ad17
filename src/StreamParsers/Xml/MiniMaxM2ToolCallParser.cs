namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the MiniMax-M2 tool-call format, registered as <c>minimax_m2</c>:
/// <c>&lt;minimax:tool_call&gt;\n&lt;invoke name="get_weather"&gt;\n&lt;parameter name="city"&gt;Paris&lt;/parameter&gt;\n&lt;/invoke&gt;\n&lt;/minimax:tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// One block may hold several calls. Parameter values are typed by the tool's schema (a string streams as it
/// arrives). The call completes at <c>&lt;/invoke&gt;</c>. <c>&lt;think&gt;…&lt;/think&gt;</c> is reasoning, and so
/// is text before a lone <c>&lt;/think&gt;</c> at the start of the response.
/// Until a reasoning marker, a call or the end of the response decides it, text at the start of the response is
/// held (at most 8,192 characters, then it streams as text).
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class MiniMaxM2ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public MiniMaxM2ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new XmlFunctionCallReader(Options, XmlFunctionDialect.MiniMaxM2);
    }

    /// <summary>The format's registry name: <c>minimax_m2</c>.</summary>
    public override string Format => "minimax_m2";

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
