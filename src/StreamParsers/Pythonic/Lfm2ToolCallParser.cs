namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for Liquid AI's LFM2 tool calls: a pythonic list inside a block,
/// <c>&lt;|tool_call_start|&gt;[get_weather(city="Paris")]&lt;|tool_call_end|&gt;</c>, or JSON calls in the same
/// block (<c>[{"name": ..., "arguments": {...}}]</c> or one bare object), after an optional
/// <c>&lt;think&gt;...&lt;/think&gt;</c> reasoning block at the start of the response.
/// </summary>
/// <remarks>
/// <para>
/// Pythonic calls are read as <see cref="PythonicToolCallParser"/> reads them and complete at their closing
/// <c>)</c>. JSON calls are read as a Hermes call object, with <c>"arguments"</c> or
/// <c>"parameters"</c>, and complete when their arguments value closes. Reasoning is reported through
/// <see cref="IToolCallParserObserver.OnReasoning"/>, markers inside it included; a <c>&lt;think&gt;</c> after other
/// text is text. When <see cref="ToolCallParserOptions.ReasoningStartsOpen"/> is <see langword="true"/> (the template
/// opened the reasoning block in the prompt), the response starts as reasoning up to <c>&lt;/think&gt;</c>, unless it
/// begins with <c>&lt;think&gt;</c> itself or straight with a call block.
/// </para>
/// <para>
/// A block that holds something other than calls is reported with a diagnostic and its text is surfaced as text; an
/// empty block (<c>&lt;|tool_call_start|&gt;&lt;|tool_call_end|&gt;</c>) gives no call and a
/// <see cref="PythonicDiagnosticCodes.CallBlockEmpty"/> diagnostic.
/// </para>
/// </remarks>
internal sealed class Lfm2ToolCallParser : ToolCallTextParser
{
    private readonly PythonicParserCore _core;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public Lfm2ToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _core = new PythonicParserCore(PythonicDialect.Lfm2, Options);
    }

    /// <summary>The format's registry name: <c>lfm2</c>.</summary>
    public override string Format => "lfm2";

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
