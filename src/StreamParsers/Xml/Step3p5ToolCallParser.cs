namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the StepFun Step 3.5 tool-call format, registered as <c>step3p5</c>:
/// <c>&lt;tool_call&gt;\n&lt;function=get_weather&gt;\n&lt;parameter=city&gt;\nParis\n&lt;/parameter&gt;\n&lt;/function&gt;\n&lt;/tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// The markup, typing and reasoning are those of <see cref="Qwen3CoderToolCallParser"/>. The call completes at
/// <c>&lt;/function&gt;</c>.
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class Step3p5ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Step3p5ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new XmlFunctionCallReader(Options, XmlFunctionDialect.Qwen3Coder);
    }

    /// <summary>The format's registry name: <c>step3p5</c>.</summary>
    public override string Format => "step3p5";

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
