namespace ToolFlow.StreamParsers;

/// <summary>
/// A provider body whose calls arrive as indexed argument deltas (OpenAI chat, Anthropic, Cohere): the calls are
/// assembled by <see cref="StreamBodyDeltaCalls"/>, and the response ends the same way for each provider.
/// </summary>
internal abstract class DeltaStreamBodyParser : StreamBodyParser
{
    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    protected DeltaStreamBodyParser(ToolCallParserOptions? options)
        : base(options)
    {
        Calls = new StreamBodyDeltaCalls(Options);
    }

    /// <summary>The calls the body has streamed so far.</summary>
    protected StreamBodyDeltaCalls Calls { get; }

    /// <inheritdoc/>
    protected sealed override void OnEnd(IToolCallParserObserver observer)
    {
        if (Calls.IsFinished)
        {
            return;
        }

        ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.StreamTruncated, "The stream ended before the provider finished the response.");
        Calls.Finish(EventOffset, ToolCallCompletionReason.EndOfStream, "the stream ended before the call was complete.", observer);
    }

    /// <summary>
    /// Ends the response at the provider's stop reason: a normal stop completes the calls; any other reason drops
    /// the calls still open, with a diagnostic.
    /// </summary>
    /// <param name="isNormalStop">Whether the reason is one of the provider's normal ends.</param>
    /// <param name="field">The field the reason came in (<c>finish_reason</c>, <c>stop_reason</c>), for the message.</param>
    /// <param name="reason">The reason as the provider wrote it.</param>
    /// <param name="observer">The caller's observer.</param>
    protected void FinishAtStop(bool isNormalStop, string field, string reason, IToolCallParserObserver observer)
    {
        if (Calls.IsFinished)
        {
            return;
        }

        if (isNormalStop)
        {
            Calls.Finish(EventOffset, ToolCallCompletionReason.ProviderStop, null, observer);
            return;
        }

        ReportDiagnostic(
            observer,
            ProviderStreamDiagnosticCodes.ResponseStopped,
            $"The provider stopped the response early ({field} '{reason}'); calls still open are dropped.");
        Calls.Finish(EventOffset, ToolCallCompletionReason.ProviderStop, $"the response stopped ({reason}) before the call was complete.", observer);
    }
}
