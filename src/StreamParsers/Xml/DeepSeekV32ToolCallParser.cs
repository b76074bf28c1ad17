namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the DeepSeek V3.2 tool-call format, registered as <c>deepseek_v32</c>:
/// <c>&lt;｜DSML｜function_calls&gt;\n&lt;｜DSML｜invoke name="get_weather"&gt;\n&lt;｜DSML｜parameter name="city" string="true"&gt;Paris&lt;/｜DSML｜parameter&gt;\n&lt;/｜DSML｜invoke&gt;\n&lt;/｜DSML｜function_calls&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// A parameter with <c>string="true"</c> is a string (it streams as it arrives); with <c>string="false"</c> it is
/// typed by the tool's schema, or read as JSON. The call completes at <c>&lt;/｜DSML｜invoke&gt;</c>, or at once
/// for a self-closing <c>&lt;｜DSML｜invoke name="X"/&gt;</c>; a call whose body is a JSON object completes when
/// the object closes. Text before a lone <c>&lt;/think&gt;</c> at the start of the response is reasoning.
/// Until a reasoning marker, a call or the end of the response decides it, text at the start of the response is
/// held (at most 8,192 characters, then it streams as text).
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class DeepSeekV32ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public DeepSeekV32ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new XmlFunctionCallReader(Options, XmlFunctionDialect.DeepSeekV32);
    }

    /// <summary>The format's registry name: <c>deepseek_v32</c>.</summary>
    public override string Format => "deepseek_v32";

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
