namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the ByteDance Seed-OSS tool-call format, registered as <c>seed_oss</c>:
/// <c>&lt;seed:tool_call&gt;\n&lt;function=get_weather&gt;\n&lt;parameter=city&gt;Paris&lt;/parameter&gt;\n&lt;/function&gt;\n&lt;/seed:tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// Values are taken exactly as written (no newline is layout) and typed by the tool's schema. The
/// <c>&lt;seed:think&gt;…&lt;/seed:think&gt;</c> block is reported as text, markers included, as vLLM's parser
/// leaves it; a call written inside it is not read. The call completes at <c>&lt;/function&gt;</c>.
/// </para>
/// <para>
/// Malformed markup is reported as text with a diagnostic (a started call is aborted first); the limits of
/// <see cref="ToolCallParserOptions"/> abort or drop a call with a diagnostic. The same calls, with the same
/// offsets, come out however the input is split into chunks, and no earlier input is read again.
/// </para>
/// </remarks>
internal sealed class SeedOssToolCallParser : ToolCallTextParser
{
    private readonly XmlParameterCallReader _reader;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public SeedOssToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _reader = new XmlFunctionCallReader(Options, XmlFunctionDialect.SeedOss);
    }

    /// <summary>The format's registry name: <c>seed_oss</c>.</summary>
    public override string Format => "seed_oss";

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
