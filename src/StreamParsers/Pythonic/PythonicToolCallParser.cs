namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the pythonic tool-call format (vLLM and SGLang <c>pythonic</c>, used by Llama 3.2 and
/// others): a Python list of calls with literal keyword arguments, <c>[get_weather(city='Paris', days=[1, 2]), now()]</c>,
/// anywhere in the text, any number of times.
/// </summary>
/// <remarks>
/// <para>
/// A <c>[</c> starts a call list only when a name and <c>(</c> follow it (whitespace allowed before the name);
/// otherwise it is text, reported once the next characters decide. Tool names may hold letters, digits, <c>_</c>,
/// <c>.</c> and <c>-</c>. Values are Python literals: strings in either quote kind (escapes and triple quotes too),
/// ints and floats, <c>True</c>/<c>False</c>/<c>None</c> (and <c>true</c>/<c>false</c>/<c>null</c>), lists, tuples
/// and dicts, nested to <see cref="ToolCallParserOptions.MaxDepth"/>. They are translated to JSON: the call's
/// <see cref="ParsedToolCall.ArgumentsJson"/> is the JSON object of its keyword arguments, streamed as
/// <see cref="IToolCallParserObserver.OnArgumentsDelta"/> while it is read.
/// </para>
/// <para>
/// A call starts when its <c>(</c> is read and completes (<see cref="ToolCallCompletionReason.JsonClosed"/>) at its
/// closing <c>)</c>, in the <see cref="Append"/> whose chunk holds it; <see cref="ParsedToolCall.Offset"/> is just
/// past it. Call ids are <see langword="null"/>.
/// </para>
/// <para>
/// Malformed input never throws and never stalls. A positional argument, a nested call or a bare name aborts the
/// call with a <see cref="PythonicDiagnosticCodes.CallInvalidSyntax"/> diagnostic, and the list's text (from its
/// <c>[</c>, or from the end of the last completed call) is surfaced as text; the rest is read as text. A call over a
/// limit is aborted, or dropped, with a diagnostic and the rest of it is skipped.
/// </para>
/// </remarks>
internal sealed class PythonicToolCallParser : ToolCallTextParser
{
    private readonly PythonicParserCore _core;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public PythonicToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _core = new PythonicParserCore(PythonicDialect.Pythonic, Options);
    }

    /// <summary>The format's registry name: <c>pythonic</c>.</summary>
    public override string Format => "pythonic";

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
