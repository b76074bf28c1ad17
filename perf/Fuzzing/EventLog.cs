using System.Globalization;
using System.Text;

namespace ToolFlow.Fuzzing;

/// <summary>
/// Records what a parser reports as lines that do not depend on the chunking (consecutive text, reasoning or
/// argument pieces of one call joined), and checks the order of a call's events as they come.
/// </summary>
internal sealed class EventLog : IToolCallParserObserver
{
    private readonly List<string> _lines = [];
    private readonly StringBuilder _pending = new();
    private readonly HashSet<int> _started = [];
    private readonly HashSet<int> _ended = [];
    private string? _pendingKey;

    public IReadOnlyList<string> Lines
    {
        get
        {
            Flush();
            return _lines;
        }
    }

    /// <summary>Characters of text and reasoning reported.</summary>
    public long TextLength { get; private set; }

    /// <summary>The largest offset of a diagnostic.</summary>
    public long LastDiagnosticOffset { get; private set; }

    public List<ParsedToolCall> Calls { get; } = [];

    public IReadOnlyCollection<int> Started => _started;

    public IReadOnlyCollection<int> Ended => _ended;

    public void OnText(ReadOnlySpan<char> text) => Append("text: ", text, isText: true);

    public void OnReasoning(ReadOnlySpan<char> text) => Append("reasoning: ", text, isText: true);

    public void OnCallStarted(int index, string? id, string name)
    {
        Check(_started.Add(index), $"call {index} started twice");
        Check(index == _started.Count - 1, $"call {index} started out of order");
        Add($"started[{index}] {id} {name}");
    }

    public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment)
    {
        Check(_started.Contains(index) && !_ended.Contains(index), $"arguments for call {index}, which is not open");
        Append($"arguments[{index}]: ", fragment, isText: false);
    }

    public void OnCallCompleted(ParsedToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        Check(_started.Contains(call.Index), $"call {call.Index} completed without starting");
        Check(_ended.Add(call.Index), $"call {call.Index} ended twice");
        Check(call.IsValid == call.Arguments is not null, $"call {call.Index}: arguments and error disagree");
        Calls.Add(call);
        Add($"completed [{call.Index}] id={call.Id} name={call.Name} reason={call.Reason} offset={call.Offset} " +
            $"json={call.ArgumentsJson} value={call.Arguments?.GetRawText()} error={call.Error}");
    }

    public void OnCallAborted(int index, string reason)
    {
        Check(_started.Contains(index), $"call {index} aborted without starting");
        Check(_ended.Add(index), $"call {index} ended twice");
        Add($"aborted[{index}] {reason}");
    }

    public void OnDiagnostic(ParserDiagnostic diagnostic)
    {
        Check(diagnostic.Offset >= 0, $"diagnostic {diagnostic.Code} at offset {diagnostic.Offset}");
        LastDiagnosticOffset = Math.Max(LastDiagnosticOffset, diagnostic.Offset);
        Add($"diagnostic {diagnostic.Code} @{diagnostic.Offset.ToString(CultureInfo.InvariantCulture)}: {diagnostic.Message}");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message);
        }
    }

    private void Append(string key, ReadOnlySpan<char> text, bool isText)
    {
        if (isText)
        {
            TextLength += text.Length;
        }

        if (text.IsEmpty)
        {
            return;
        }

        if (key != _pendingKey)
        {
            Flush();
            _pendingKey = key;
        }

        _pending.Append(text);
    }

    private void Add(string line)
    {
        Flush();
        _lines.Add(line);
    }

    private void Flush()
    {
        if (_pendingKey is not null && _pending.Length > 0)
        {
            _lines.Add(_pendingKey + _pending);
        }

        _pending.Clear();
        _pendingKey = null;
    }
}
