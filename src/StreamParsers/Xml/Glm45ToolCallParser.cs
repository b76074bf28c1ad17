namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the GLM-4.5 and GLM-4.6 tool-call format, registered as <c>glm45</c>:
/// <c>&lt;tool_call&gt;get_weather\n&lt;arg_key&gt;city&lt;/arg_key&gt;\n&lt;arg_value&gt;Paris&lt;/arg_value&gt;\n&lt;/tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// The call starts when its name ends and completes at <c>&lt;/tool_call&gt;</c>. Values are taken exactly as
/// written (leading white space included) and typed by the tool's schema; an object or array written as JSON
/// escaped once more (<c>[{\"id\": 1}]</c>) is read too. <c>&lt;think&gt;…&lt;/think&gt;</c> is reasoning, and so is
/// text before a lone <c>&lt;/think&gt;</c> at the start of the response.
/// Until a reasoning marker, a call or the end of the response decides it, text at the start of the response is
/// held (at most 8,192 characters, then it streams as text).
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class Glm45ToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Glm45ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new GlmCallReader(Options);
    }

    /// <summary>The format's registry name: <c>glm45</c>.</summary>
    public override string Format => "glm45";

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
