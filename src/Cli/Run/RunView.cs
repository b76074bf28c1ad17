using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Run;

/// <summary>
/// Writes a run to a terminal as it happens: the model's text (and reasoning) as it streams, and a line for each
/// step of each tool call (detected, arguments complete, waiting, running, done or failed), numbered in the order the
/// calls appear. Plain lines that read well in a pipe; dim colour on a terminal.
/// </summary>
internal sealed class RunView(TextWriter output, bool color, bool showReasoning)
{
    private const int PreviewLength = 160;

    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private Mode _mode = Mode.LineStart;
    private bool _endsWithNewLine = true;
    private DateTimeOffset? _start;
    private int _calls;

    private enum Mode
    {
        LineStart,
        Text,
        Reasoning,
    }

    /// <summary>The error that ended the run, when the model's stream failed.</summary>
    public Exception? ModelError { get; private set; }

    /// <summary>Writes what an event means.</summary>
    /// <param name="event">The event.</param>
    public void Apply(ToolPipelineEvent @event)
    {
        _start ??= @event.Timestamp;
        switch (@event)
        {
            case TurnStarted started when started.Turn > 1:
                Line($"[turn {started.Turn}] sending the results back to the model");
                break;
            case ReasoningDelta reasoning when showReasoning:
                Stream(Mode.Reasoning, reasoning.Text);
                break;
            case TextDelta text:
                Stream(Mode.Text, text.Text);
                break;
            case ToolCallDetected detected:
                _numbers[detected.CallId] = ++_calls;
                Line($"{Tag(detected.CallId, detected.Name)} detected");
                break;
            case ToolCallClosed closed:
                Line($"{Tag(closed.Call)} arguments {OneLine(closed.Call.ArgumentsJson)}");
                break;
            case ToolCallWaiting waiting:
                Line($"{Tag(waiting.Call)} waits for {Describe(waiting.Reason)}");
                break;
            case ToolCallStarted started:
                Line($"{Tag(started.Call)} running");
                break;
            case ToolCallCompleted completed:
                Line($"{Tag(completed.Call)} done in {completed.Duration.TotalMilliseconds:F0} ms: {Preview(completed.Result)}");
                break;
            case ToolCallFailed failed:
                Line($"{Tag(failed.Call)} failed ({failed.Kind}): {OneLine(failed.Message)}");
                break;
            case DiagnosticReported { Code: "model-stream-failed" }:
                break;
            case DiagnosticReported diagnostic:
                Line($"[note] {OneLine(diagnostic.Message)}");
                break;
            case ResponseCompleted response:
                ModelError = response.Error ?? ModelError;
                if (response.FinishReason == ChatFinishReason.Length)
                {
                    Line("[note] the model stopped at its output token limit (--max-tokens)");
                }
                else if (response.FinishReason == ChatFinishReason.ContentFilter)
                {
                    Line("[note] the model's response was stopped by a content filter");
                }

                break;
            case RunCompleted completed:
                double seconds = (completed.Timestamp - _start.Value).TotalSeconds;
                string turns = completed.Turns == 1 ? "1 turn" : $"{completed.Turns} turns";
                string calls = _calls == 1 ? "1 tool call" : $"{_calls} tool calls";
                Line($"[end] {Describe(completed.Reason)}: {turns}, {calls}, {seconds:F1} s");
                break;
        }
    }

    private static string Describe(ToolCallWaitReason reason) => reason switch
    {
        ToolCallWaitReason.ResponseEnd => "the response to end cleanly (the tool has side effects)",
        ToolCallWaitReason.Dependencies => "the calls it depends on",
        ToolCallWaitReason.Approval => "an approval",
        _ => reason.ToString(),
    };

    private static string Describe(RunCompletionReason reason) => reason switch
    {
        RunCompletionReason.FinalAnswer => "answered",
        RunCompletionReason.TurnLimitReached => "stopped at the turn limit (--max-turns)",
        RunCompletionReason.ModelFailed => "the model's response failed",
        _ => reason.ToString(),
    };

    private static string Preview(object? result)
    {
        string text = result switch
        {
            null => "(no result)",
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } s => s.GetString() ?? string.Empty,
            JsonElement json => json.GetRawText(),
            _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
        };
        text = OneLine(text);
        return text.Length <= PreviewLength ? text : string.Concat(text.AsSpan(0, PreviewLength), "...");
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private string Tag(ToolCall call) => Tag(call.CallId, call.Name);

    private string Tag(string callId, string name)
    {
        if (!_numbers.TryGetValue(callId, out int number))
        {
            number = _numbers[callId] = ++_calls;
        }

        return $"[{name} #{number}]";
    }

    private void Stream(Mode mode, string text)
    {
        if (_mode != mode)
        {
            EndLine();
            if (mode == Mode.Reasoning)
            {
                Write("[thinking] ", dim: true);
            }

            _mode = mode;
        }

        Write(text, dim: mode == Mode.Reasoning);
    }

    private void Line(string text)
    {
        EndLine();
        Write(text, dim: true);
        output.WriteLine();
        _endsWithNewLine = true;
    }

    private void EndLine()
    {
        if (_mode != Mode.LineStart)
        {
            if (!_endsWithNewLine)
            {
                output.WriteLine();
            }

            _mode = Mode.LineStart;
        }
    }

    private void Write(string text, bool dim)
    {
        if (color && dim)
        {
            output.Write("\u001b[2m");
            output.Write(text);
            output.Write("\u001b[0m");
        }
        else
        {
            output.Write(text);
        }

        if (text.Length > 0)
        {
            _endsWithNewLine = text[^1] == '\n';
        }

        output.Flush();
    }
}
