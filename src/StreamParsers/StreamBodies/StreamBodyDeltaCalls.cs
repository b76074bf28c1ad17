namespace ToolFlow.StreamParsers;

/// <summary>
/// The calls of one provider response that stream as argument deltas, kept by a <see cref="ToolCallDeltaParser"/>
/// and reported with body offsets: it stands between the delta parser and the caller's observer, stamping each call
/// and diagnostic with the offset of the event being read.
/// </summary>
/// <remarks>
/// Besides the delta parser's own rules (a call completes when its arguments JSON closes), a provider can end a call
/// explicitly (<see cref="End"/>: Anthropic <c>content_block_stop</c>, Cohere <c>tool-call-end</c>, Responses
/// <c>function_call_arguments.done</c>) and end the response normally or not (<see cref="Finish"/>). After an
/// abnormal end no call still open completes, not even one without arguments.
/// </remarks>
internal sealed class StreamBodyDeltaCalls : IToolCallParserObserver
{
    private readonly ToolCallDeltaParser _parser;

    // Argument characters given so far, by provider index.
    private readonly Dictionary<int, int> _given = [];

    private IToolCallParserObserver _target = null!;
    private long _offset;
    private ToolCallCompletionReason? _reason;
    private string? _abortReason;

    public StreamBodyDeltaCalls(ToolCallParserOptions options)
    {
        _parser = new ToolCallDeltaParser(options);
    }

    /// <summary>Whether <see cref="Finish"/> was called.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>Reads one fragment.</summary>
    /// <param name="delta">The fragment.</param>
    /// <param name="offset">The body offset of the event that carried it.</param>
    /// <param name="observer">The caller's observer.</param>
    public void Append(in ToolCallDelta delta, long offset, IToolCallParserObserver observer)
    {
        if (IsFinished)
        {
            observer.OnDiagnostic(new ParserDiagnostic(
                ProviderStreamDiagnosticCodes.CallAfterEnd,
                "A tool-call fragment came after the response finished; it is ignored.",
                offset));
            return;
        }

        if (delta.Index is int index && !string.IsNullOrEmpty(delta.ArgumentsFragment))
        {
            _given[index] = _given.GetValueOrDefault(index) + delta.ArgumentsFragment.Length;
        }

        _target = observer;
        _offset = offset;
        _parser.Append(delta, this);
    }

    /// <summary>
    /// The provider says the call at a provider index is over. A call given no arguments gets <c>{}</c>; when the
    /// provider repeats the whole arguments text, the part not yet given is read. Either completes the call with
    /// <see cref="ToolCallCompletionReason.EndMarker"/>.
    /// </summary>
    /// <param name="providerIndex">The provider's index of the call.</param>
    /// <param name="wholeArguments">The whole arguments text, when the provider repeats it.</param>
    /// <param name="offset">The body offset of the event.</param>
    /// <param name="observer">The caller's observer.</param>
    public void End(int providerIndex, string? wholeArguments, long offset, IToolCallParserObserver observer)
    {
        if (IsFinished)
        {
            return;
        }

        int given = _given.GetValueOrDefault(providerIndex);
        string? rest = !string.IsNullOrWhiteSpace(wholeArguments) && wholeArguments.Length > given
            ? wholeArguments[given..]
            : given == 0 ? JsonArguments.Empty : null;
        if (rest is null)
        {
            return;
        }

        _reason = ToolCallCompletionReason.EndMarker;
        Append(new ToolCallDelta(providerIndex, null, null, rest), offset, observer);
        _reason = null;
    }

    /// <summary>
    /// Ends the response. Normally, a call without arguments completes with <c>{}</c> and a call whose arguments
    /// never closed is aborted; after an abnormal end, every call still open is aborted.
    /// </summary>
    /// <param name="offset">The body offset of the event that ended the response.</param>
    /// <param name="reason">What ended it, for calls it completes.</param>
    /// <param name="abortReason">Why open calls cannot run, for an abnormal end; <see langword="null"/> for a normal one.</param>
    /// <param name="observer">The caller's observer.</param>
    public void Finish(long offset, ToolCallCompletionReason reason, string? abortReason, IToolCallParserObserver observer)
    {
        if (IsFinished)
        {
            return;
        }

        IsFinished = true;
        _target = observer;
        _offset = offset;
        _reason = reason;
        _abortReason = abortReason;
        _parser.Complete(this);
        _reason = null;
        _abortReason = null;
    }

    void IToolCallParserObserver.OnText(ReadOnlySpan<char> text) => _target.OnText(text);

    void IToolCallParserObserver.OnReasoning(ReadOnlySpan<char> text) => _target.OnReasoning(text);

    void IToolCallParserObserver.OnCallStarted(int index, string? id, string name) => _target.OnCallStarted(index, id, name);

    void IToolCallParserObserver.OnArgumentsDelta(int index, ReadOnlySpan<char> fragment) => _target.OnArgumentsDelta(index, fragment);

    void IToolCallParserObserver.OnCallCompleted(ParsedToolCall call)
    {
        if (_abortReason is not null)
        {
            string message = $"The call to '{call.Name}' cannot run: {_abortReason}";
            _target.OnCallAborted(call.Index, message);
            _target.OnDiagnostic(new ParserDiagnostic(ParserDiagnosticCodes.CallUnterminated, message, _offset));
            return;
        }

        _target.OnCallCompleted(call with { Offset = _offset, Reason = _reason ?? call.Reason });
    }

    void IToolCallParserObserver.OnCallAborted(int index, string reason) => _target.OnCallAborted(index, reason);

    void IToolCallParserObserver.OnDiagnostic(ParserDiagnostic diagnostic) => _target.OnDiagnostic(diagnostic with { Offset = _offset });
}
