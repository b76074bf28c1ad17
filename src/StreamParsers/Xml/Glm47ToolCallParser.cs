namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the GLM-4.7 tool-call format, registered as <c>glm47</c>:
/// <c>&lt;tool_call&gt;get_weather&lt;arg_key&gt;city&lt;/arg_key&gt;&lt;arg_value&gt;Paris&lt;/arg_value&gt;&lt;/tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// The markup of <see cref="Glm45ToolCallParser"/> without newlines; typing and reasoning are the same. The call
/// completes at <c>&lt;/tool_call&gt;</c>.
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class Glm47ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Glm47ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new GlmCallReader(Options);
    }

    /// <summary>The format's registry name: <c>glm47</c>.</summary>
    public override string Format => "glm47";

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
