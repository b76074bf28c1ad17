using System.Globalization;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Cli.Calls;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Run;

/// <summary>
/// Writes a run to a terminal as it happens: the model's text (and reasoning) as it streams, and a line each time a
/// tool call's state changes (detected, waiting and why, running, done, failed, cancelled, quarantined; see
/// <see cref="CallRenderer"/>), numbered in the order the calls appear. Plain lines that read well in a pipe; dim
/// colour on a terminal. Everything from the model, a tool or a server has its control characters neutralised.
/// </summary>
internal sealed class RunView(TextWriter output, bool color, bool showReasoning)
{
    private readonly CallBoard _calls = new();
    private Mode _mode = Mode.LineStart;
    private bool _endsWithNewLine = true;
    private DateTimeOffset? _start;

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
        if (_calls.Apply(@event, out CallChange change) is { } row)
        {
            Show(row, change);
            return;
        }

        switch (@event)
        {
            case TurnStarted started when started.Turn > 1:
                Line($"[turn {started.Turn}] sending the results back to the model");
                break;
            case ReasoningDelta reasoning when showReasoning:
                Stream(Mode.Reasoning, TerminalText.Stream(reasoning.Text));
                break;
            case TextDelta text:
                Stream(Mode.Text, TerminalText.Stream(text.Text));
                break;
            case DiagnosticReported { Code: "model-stream-failed" }:
                break;
            case DiagnosticReported diagnostic:
                Line($"[note] {TerminalText.OneLine(diagnostic.Message)}");
                break;
            case ToolResultTrimmed trimmed:
                Line(string.Create(CultureInfo.InvariantCulture, $"[note] {TerminalText.OneLine(trimmed.Call.Name)} result cut from {trimmed.TokensBefore:N0} to {trimmed.TokensAfter:N0} tokens ({TerminalText.OneLine(trimmed.Strategy)}, {(trimmed.Scope == ToolResultTrimScope.Turn ? "turn" : "result")} budget {trimmed.BudgetTokens:N0})"));
                break;
            case ContextWindowFilling filling:
                Line(string.Create(CultureInfo.InvariantCulture, $"[note] the conversation fills {filling.Tokens:N0} of the context window's {filling.ContextWindowTokens:N0} tokens"));
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
                int count = _calls.Rows.Count;
                string calls = count == 1 ? "1 tool call" : $"{count} tool calls";
                Line($"[end] {Describe(completed.Reason)}: {turns}, {calls}, {seconds:F1} s");
                break;
        }
    }

    private void Show(CallRow row, CallChange change)
    {
        switch (change)
        {
            case CallChange.Closed:
                Line(CallRenderer.ArgumentsLine(row));
                break;
            case CallChange.State:
                Line(CallRenderer.Line(row));
                break;
            case CallChange.Progress:
                Line(CallRenderer.ProgressLine(row));
                break;
        }
    }

    private static string Describe(RunCompletionReason reason) => reason switch
    {
        RunCompletionReason.FinalAnswer => "answered",
        RunCompletionReason.TurnLimitReached => "stopped at the turn limit (--max-turns)",
        RunCompletionReason.ModelFailed => "the model's response failed",
        RunCompletionReason.ContextWindowExceeded => "stopped before the context window would overflow",
        _ => reason.ToString(),
    };

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
