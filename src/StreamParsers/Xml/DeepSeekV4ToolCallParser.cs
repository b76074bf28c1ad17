namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the DeepSeek V4 tool-call format, registered as <c>deepseek_v4</c>:
/// <c>&lt;｜DSML｜tool_calls&gt;\n&lt;｜DSML｜invoke name="get_weather"&gt;\n&lt;｜DSML｜parameter name="city" string="true"&gt;Paris&lt;/｜DSML｜parameter&gt;\n&lt;/｜DSML｜invoke&gt;\n&lt;/｜DSML｜tool_calls&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// The markup inside the block, the typing and the reasoning are those of <see cref="DeepSeekV32ToolCallParser"/>.
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class DeepSeekV4ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public DeepSeekV4ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new XmlFunctionCallReader(Options, XmlFunctionDialect.DeepSeekV4);
    }

    /// <summary>The format's registry name: <c>deepseek_v4</c>.</summary>
    public override string Format => "deepseek_v4";

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
