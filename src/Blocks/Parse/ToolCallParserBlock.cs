using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// Reads the model's raw updates as they stream and offers what they mean: <see cref="TextDelta"/>,
/// <see cref="ToolCallDetected"/>, <see cref="ToolArgumentsDelta"/>, and <see cref="ToolCallClosed"/> in the very
/// update that completes a call's arguments, then <see cref="ResponseCompleted"/> when the stream ends.
/// Malformed output becomes text plus a <see cref="DiagnosticReported"/>; nothing is lost and nothing throws.
/// </summary>
/// <remarks>
/// Consumes <see cref="ModelUpdateReceived"/> and <see cref="ModelStreamEnded"/>; passes every other event through.
/// Calls are read from <see cref="ToolCallUpdateContent"/> deltas, whole <see cref="FunctionCallContent"/>s, and
/// text, with the configured text parser. A thin shell: each response is read by its own internal
/// <see cref="ResponseParser"/> (Parse/ResponseParser.cs).
/// </remarks>
public sealed class ToolCallParserBlock : ToolEventBlock<ToolPipelineEvent>
{
    private readonly ToolCallParserBlockOptions _options;
    private ResponseParser? _turn;

    /// <summary>Initializes the block.</summary>
    /// <param name="options">The text format, limits, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolCallParserBlock(ToolCallParserBlockOptions? options = null)
        : base((options ?? new ToolCallParserBlockOptions()).Clone())
    {
        _options = (ToolCallParserBlockOptions)Options;
    }

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        switch (message)
        {
            case TurnStarted started:
                _turn = new ResponseParser(this, _options, started.Turn);
                Forward(message);
                break;
            case ModelUpdateReceived received:
                GetTurn(received.Turn).Read(received.Update);
                break;
            case ModelStreamEnded ended:
                GetTurn(ended.Turn).End(ended);
                _turn = null;
                break;
            default:
                Forward(message);
                break;
        }

        return Task.CompletedTask;
    }

    private ResponseParser GetTurn(int turn)
    {
        // A source that skips TurnStarted still gets a parser for its turn.
        if (_turn is null || _turn.Turn != turn)
        {
            _turn = new ResponseParser(this, _options, turn);
        }

        return _turn;
    }
}
