namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the Qwen3-Coder, Qwen3.5 and Nemotron 3 Nano tool-call format, registered as <c>qwen3_coder</c>:
/// <c>&lt;tool_call&gt;\n&lt;function=get_weather&gt;\n&lt;parameter=city&gt;\nParis\n&lt;/parameter&gt;\n&lt;/function&gt;\n&lt;/tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// A call may also begin with <c>&lt;function=</c> alone (templates that put <c>&lt;tool_call&gt;</c> in the prompt).
/// One newline just inside a parameter's tags is layout. Parameter values are typed by the tool's schema
/// (<see cref="ToolCallParserOptions.ToolSchemas"/>): a string streams as it arrives, an integer, number, boolean,
/// object or array is read when its element closes; without a schema, a value that reads as JSON is that value.
/// The call completes at <c>&lt;/function&gt;</c>. <c>&lt;think&gt;…&lt;/think&gt;</c> is reasoning; text before a
/// lone <c>&lt;/think&gt;</c> at the start of the response (the template opened the block) is reasoning too.
/// Until a reasoning marker, a call or the end of the response decides it, text at the start of the response is
/// held (at most 8,192 characters, then it streams as text).
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class Qwen3CoderToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Qwen3CoderToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new XmlFunctionCallReader(Options, XmlFunctionDialect.Qwen3Coder);
    }

    /// <summary>The format's registry name: <c>qwen3_coder</c>.</summary>
    public override string Format => "qwen3_coder";

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
