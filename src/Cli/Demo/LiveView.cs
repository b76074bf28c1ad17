using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;
using ToolFlow.Blocks;
using ToolFlow.Cli.Calls;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Demo;

/// <summary>
/// The demo's live view: the text as it streams, and a table of the calls (<see cref="CallRenderer.Table"/> over a
/// <see cref="CallBoard"/>, the model <c>toolflow run</c>'s lines use too), each detected, waiting, running, done,
/// failed or cancelled.
/// </summary>
internal sealed class LiveView
{
    private readonly StringBuilder _text = new();
    private readonly CallBoard _calls = new();
    private DateTimeOffset? _start;
    private string _status = "waiting for the model";

    /// <summary>The calls so far.</summary>
    public CallBoard Calls => _calls;

    /// <summary>Folds an event into the view.</summary>
    /// <param name="event">The event.</param>
    public void Apply(ToolPipelineEvent @event)
    {
        _start ??= @event.Timestamp;
        double ms = (@event.Timestamp - _start.Value).TotalMilliseconds;
        if (_calls.Apply(@event, out _) is not null)
        {
            return;
        }

        switch (@event)
        {
            case TurnStarted started:
                _status = $"turn {started.Turn}: model streaming";
                if (started.Turn > 1)
                {
                    _text.Append("\n\n");
                }

                break;
            case TextDelta delta:
                _text.Append(TerminalText.Stream(delta.Text));
                break;
            case ResponseCompleted:
                _status = $"turn {@event.Turn}: response complete at {ms:F0} ms";
                break;
            case RunCompleted completed:
                _status = $"done in {ms:F0} ms ({completed.Turns} turns)";
                break;
        }
    }

    /// <summary>The view as it stands.</summary>
    /// <returns>The assistant's text, the calls table and a status line.</returns>
    public IRenderable Render() => new Rows(
        new Panel(new Text(_text.ToString())).Header("Assistant").Expand(),
        CallRenderer.Table(_calls.Rows),
        new Text(_status, new Style(Color.Grey)));
}
