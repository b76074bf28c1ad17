using System.Globalization;
using System.Text;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>What a parser reported, one entry per observer call.</summary>
internal enum ParserEventKind
{
    Text,
    Reasoning,
    Started,
    ArgumentsDelta,
    Completed,
    Aborted,
    Diagnostic,
}

/// <summary>One observer call, stamped with the number of the Append (or Complete) during which it came.</summary>
internal sealed record ParserEvent(
    ParserEventKind Kind,
    int Chunk,
    int Index = -1,
    string? Text = null,
    string? Id = null,
    ParsedToolCall? Call = null,
    ParserDiagnostic? Diagnostic = null);

/// <summary>An observer that records every call, in order.</summary>
internal sealed class RecordingObserver : IToolCallParserObserver
{
    public List<ParserEvent> Events { get; } = [];

    /// <summary>The number of the Append being run; the driver sets it.</summary>
    public int Chunk { get; set; }

    public string Text => Concat(ParserEventKind.Text);

    public string Reasoning => Concat(ParserEventKind.Reasoning);

    public IReadOnlyList<ParsedToolCall> Calls =>
        Events.Where(e => e.Kind == ParserEventKind.Completed).Select(e => e.Call!).ToList();

    public IReadOnlyList<ParserDiagnostic> Diagnostics =>
        Events.Where(e => e.Kind == ParserEventKind.Diagnostic).Select(e => e.Diagnostic!.Value).ToList();

    public IReadOnlyList<string> DiagnosticCodes => Diagnostics.Select(d => d.Code).ToList();

    public IReadOnlyList<int> Aborted =>
        Events.Where(e => e.Kind == ParserEventKind.Aborted).Select(e => e.Index).ToList();

    public IReadOnlyList<(int Index, string? Id, string Name)> Started =>
        Events.Where(e => e.Kind == ParserEventKind.Started).Select(e => (e.Index, e.Id, e.Text!)).ToList();

    /// <summary>All argument deltas of one call, joined.</summary>
    public string ArgumentsOf(int index) =>
        string.Concat(Events.Where(e => e.Kind == ParserEventKind.ArgumentsDelta && e.Index == index).Select(e => e.Text));

    public void OnText(ReadOnlySpan<char> text) => Events.Add(new(ParserEventKind.Text, Chunk, Text: text.ToString()));

    public void OnReasoning(ReadOnlySpan<char> text) => Events.Add(new(ParserEventKind.Reasoning, Chunk, Text: text.ToString()));

    public void OnCallStarted(int index, string? id, string name) =>
        Events.Add(new(ParserEventKind.Started, Chunk, index, name, id));

    public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment) =>
        Events.Add(new(ParserEventKind.ArgumentsDelta, Chunk, index, fragment.ToString()));

    public void OnCallCompleted(ParsedToolCall call) =>
        Events.Add(new(ParserEventKind.Completed, Chunk, call.Index, Call: call));

    public void OnCallAborted(int index, string reason) =>
        Events.Add(new(ParserEventKind.Aborted, Chunk, index, reason));

    public void OnDiagnostic(ParserDiagnostic diagnostic) =>
        Events.Add(new(ParserEventKind.Diagnostic, Chunk, Diagnostic: diagnostic));

    /// <summary>
    /// The events as lines that do not depend on how the input was split: consecutive text (or reasoning, or
    /// deltas of one call) joined, empty ones dropped, chunk numbers left out.
    /// </summary>
    public IReadOnlyList<string> Normalized()
    {
        var lines = new List<string>();
        var pending = new StringBuilder();
        string? pendingKey = null;

        void Flush()
        {
            if (pendingKey is not null && pending.Length > 0)
            {
                lines.Add(pendingKey + pending);
            }

            pending.Clear();
            pendingKey = null;
        }

        foreach (ParserEvent e in Events)
        {
            string? key = e.Kind switch
            {
                ParserEventKind.Text => "text: ",
                ParserEventKind.Reasoning => "reasoning: ",
                ParserEventKind.ArgumentsDelta => $"arguments[{e.Index}]: ",
                _ => null,
            };

            if (key is not null)
            {
                if (key != pendingKey)
                {
                    Flush();
                    pendingKey = key;
                }

                pending.Append(e.Text);
                continue;
            }

            Flush();
            lines.Add(e.Kind switch
            {
                ParserEventKind.Started => $"started[{e.Index}] {e.Id} {e.Text}",
                ParserEventKind.Completed => "completed " + Describe(e.Call!),
                ParserEventKind.Aborted => $"aborted[{e.Index}] {e.Text}",
                _ => $"diagnostic {e.Diagnostic!.Value.Code} @{e.Diagnostic.Value.Offset.ToString(CultureInfo.InvariantCulture)}: {e.Diagnostic.Value.Message}",
            });
        }

        Flush();
        return lines;
    }

    public static string Describe(ParsedToolCall call) =>
        $"[{call.Index}] id={call.Id} name={call.Name} reason={call.Reason} offset={call.Offset} " +
        $"json={call.ArgumentsJson} value={call.Arguments?.GetRawText()} error={call.Error}";

    private string Concat(ParserEventKind kind) =>
        string.Concat(Events.Where(e => e.Kind == kind).Select(e => e.Text));
}
