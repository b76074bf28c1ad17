using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Demo;

/// <summary>The demo's terminal view: the text as it streams, and each call as it is detected, runs and ends.</summary>
internal sealed class LiveView
{
    private readonly StringBuilder _text = new();
    private readonly List<CallRow> _calls = [];
    private DateTimeOffset? _start;
    private string _status = "waiting for the model";

    public void Apply(ToolPipelineEvent @event)
    {
        _start ??= @event.Timestamp;
        double ms = (@event.Timestamp - _start.Value).TotalMilliseconds;
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
                _text.Append(delta.Text);
                break;
            case ToolCallDetected detected:
                _calls.Add(new CallRow(detected.CallId, detected.Name) { State = "[grey]detected[/]" });
                break;
            case ToolArgumentsDelta delta:
                Find(delta.CallId)?.Arguments.Append(delta.Fragment);
                break;
            case ToolCallClosed closed when Find(closed.Call.CallId) is { } row:
                row.ClosedMs = ms;
                row.State = "[yellow]closed[/]";
                break;
            case ToolCallStarted started when Find(started.Call.CallId) is { } row:
                row.StartedMs = ms;
                row.State = "[blue]running[/]";
                break;
            case ToolCallCompleted completed when Find(completed.Call.CallId) is { } row:
                row.State = $"[green]done[/] in {completed.Duration.TotalMilliseconds:F0} ms";
                break;
            case ToolCallFailed failed when Find(failed.Call.CallId) is { } row:
                row.State = $"[red]failed[/]: {Markup.Escape(failed.Message)}";
                break;
            case ResponseCompleted:
                _status = $"turn {@event.Turn}: response complete at {ms:F0} ms";
                break;
            case RunCompleted completed:
                _status = $"done in {ms:F0} ms ({completed.Turns} turns)";
                break;
        }
    }

    public IRenderable Render()
    {
        var table = new Table().Expand().AddColumns("Tool", "Arguments", "Closed", "Started", "State");
        foreach (CallRow row in _calls)
        {
            table.AddRow(
                new Markup($"[bold]{Markup.Escape(row.Name)}[/]"),
                new Text(row.Arguments.ToString()),
                new Text(row.ClosedMs is double c ? $"{c:F0} ms" : string.Empty),
                new Text(row.StartedMs is double s ? $"{s:F0} ms" : string.Empty),
                new Markup(row.State));
        }

        return new Rows(
            new Panel(new Text(_text.ToString())).Header("Assistant").Expand(),
            table,
            new Markup($"[grey]{Markup.Escape(_status)}[/]"));
    }

    private CallRow? Find(string callId) => _calls.Find(c => c.CallId == callId);

    private sealed class CallRow(string callId, string name)
    {
        public string CallId { get; } = callId;

        public string Name { get; } = name;

        public StringBuilder Arguments { get; } = new();

        public double? ClosedMs { get; set; }

        public double? StartedMs { get; set; }

        public string State { get; set; } = string.Empty;
    }
}
