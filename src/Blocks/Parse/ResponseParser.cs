using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.StreamParsers;

namespace ToolFlow.Blocks;

/// <summary>
/// The Parse stage's core for one response of a <see cref="ToolCallParserBlock"/>: its text parser and delta parser,
/// which report into it synchronously, and what it offers through the block.
/// </summary>
internal sealed class ResponseParser
{
    private static readonly JsonSerializerOptions s_compactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private readonly ToolCallParserBlock _block;
    private readonly ToolCallTextParser _textParser;
    private readonly ToolCallDeltaParser _deltaParser;
    private readonly StringBuilder _text = new();
    private readonly List<ToolCall> _calls = [];
    private readonly Dictionary<int, string> _textCallIds = [];
    private readonly Dictionary<int, string> _deltaCallIds = [];
    private readonly SourceObserver _fromText;
    private readonly SourceObserver _fromDeltas;
    private readonly IReadOnlyList<ToolCallDeltaReader> _readers;
    private readonly List<ToolCallDelta> _rawDeltas = [];

    // Provider indexes of calls read from fragments, by id, to complete an argument-less call from its whole content.
    private readonly Dictionary<string, int> _providerIndexes = new(StringComparer.Ordinal);
    private int _nextIndex;

    public ResponseParser(ToolCallParserBlock block, ToolCallParserBlockOptions options, int turn)
    {
        _block = block;
        Turn = turn;
        _textParser = options.TextParserFactory(options.ParserOptions);
        _deltaParser = new ToolCallDeltaParser(options.ParserOptions);
        _fromText = new SourceObserver(this, _textCallIds, idsAreLabels: true);
        _fromDeltas = new SourceObserver(this, _deltaCallIds, idsAreLabels: false);
        _readers = options.DeltaReaders.Count == 0 ? [] : [.. options.DeltaReaders.Select(static r => r.ForResponse())];
    }

    public int Turn { get; }

    public void Read(ChatResponseUpdate update)
    {
        bool readRaw = _readers.Count > 0 && update.RawRepresentation is { } raw && ReadRaw(raw);
        foreach (AIContent content in update.Contents)
        {
            switch (content)
            {
                case TextContent text when !string.IsNullOrEmpty(text.Text):
                    _textParser.Append(text.Text, _fromText);
                    break;
                case TextReasoningContent reasoning when !string.IsNullOrEmpty(reasoning.Text):
                    Emit(new ReasoningDelta(reasoning.Text));
                    break;
                case ToolCallUpdateContent delta when !readRaw:
                    AppendDelta(delta.ToDelta());
                    break;
                case FunctionCallContent whole when !IsReadFromDeltas(whole):
                    AddWholeCall(whole);
                    break;
            }
        }
    }

    public void End(ModelStreamEnded ended)
    {
        _textParser.Complete(_fromText);
        _deltaParser.Complete(_fromDeltas);
        if (ended.Error is not null)
        {
            Emit(new DiagnosticReported("model-stream-failed", $"The model's response stream failed: {ended.Error.Message}"));
        }

        // Calls close in any order (an abandoned call closes at the end); the conversation wants call order.
        _calls.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        var contents = new List<AIContent>(_calls.Count + 1);
        if (_text.Length > 0)
        {
            contents.Add(new TextContent(_text.ToString()));
        }

        foreach (ToolCall call in _calls)
        {
            contents.Add(new FunctionCallContent(call.CallId, call.Name, call.Arguments is null ? null : new Dictionary<string, object?>(call.Arguments)));
        }

        var message = new ChatMessage(ChatRole.Assistant, contents);
        Emit(new ResponseCompleted(message, _calls.ToArray(), ended.FinishReason, ended.Usage, ended.Error));
    }

    private bool ReadRaw(object raw)
    {
        foreach (ToolCallDeltaReader reader in _readers)
        {
            if (reader.TryRead(raw, _rawDeltas))
            {
                foreach (ToolCallDelta delta in _rawDeltas)
                {
                    AppendDelta(delta);
                }

                _rawDeltas.Clear();
                return true;
            }
        }

        return false;
    }

    private void AppendDelta(in ToolCallDelta delta)
    {
        if (delta is { Index: int index, Id: { Length: > 0 } id })
        {
            _providerIndexes.TryAdd(id, index);
        }

        _deltaParser.Append(delta, _fromDeltas);
    }

    /// <summary>
    /// Whether a whole call is one already read from fragments: clients that stream fragments in their raw updates
    /// still give each call whole at the end, under the same id. It runs once, as the call its fragments started.
    /// </summary>
    private bool IsReadFromDeltas(FunctionCallContent whole)
    {
        if (string.IsNullOrEmpty(whole.CallId) || !_fromDeltas.TryGetCall(whole.CallId, out bool awaitsArguments))
        {
            return false;
        }

        // A call with no arguments streams no fragment to close it; its whole content does.
        if (awaitsArguments && _providerIndexes.TryGetValue(whole.CallId, out int providerIndex))
        {
            string json = JsonSerializer.Serialize(whole.Arguments ?? new Dictionary<string, object?>(), s_compactJson);
            _deltaParser.Append(new ToolCallDelta(providerIndex, whole.CallId, null, json), _fromDeltas);
        }

        return true;
    }

    private void AddWholeCall(FunctionCallContent whole)
    {
        int index = _nextIndex++;
        string callId = string.IsNullOrEmpty(whole.CallId) ? NewCallId(index) : whole.CallId;
        Emit(new ToolCallDetected(callId, whole.Name, index));
        var arguments = whole.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(whole.Arguments);
        string json = JsonSerializer.Serialize(arguments, s_compactJson);
        Close(new ToolCall(callId, whole.Name, index, Turn, arguments, json));
    }

    private string NewCallId(int index) => $"call_{Turn}_{index}";

    private void Emit(ToolPipelineEvent @event)
    {
        @event.SetTurnOfNew(Turn);
        _block.Emit(@event);
    }

    private void Close(ToolCall call)
    {
        _calls.Add(call);
        Emit(new ToolCallClosed(call));
    }

    /// <summary>Maps one parser's call indexes onto the response's call order.</summary>
    /// <remarks>
    /// A provider's call id names the call in the conversation. An id a model writes as text (a plan's step number,
    /// a per-response counter) is only unique within its response, so it becomes the call's label and the call
    /// gets a run-wide id.
    /// </remarks>
    private sealed class SourceObserver(ResponseParser turn, Dictionary<int, string> callIds, bool idsAreLabels) : IToolCallParserObserver
    {
        private readonly Dictionary<int, int> _indexes = [];
        private readonly Dictionary<int, (string Name, StringBuilder Arguments)> _open = [];
        private readonly Dictionary<int, string> _labels = [];
        private readonly Dictionary<string, int> _byProviderId = new(StringComparer.Ordinal);

        /// <summary>Whether a call with this provider id started here, and whether it is open with no argument yet.</summary>
        public bool TryGetCall(string providerId, out bool awaitsArguments)
        {
            awaitsArguments = false;
            if (!_byProviderId.TryGetValue(providerId, out int index))
            {
                return false;
            }

            awaitsArguments = _open.TryGetValue(index, out (string Name, StringBuilder Arguments) open) && open.Arguments.Length == 0;
            return true;
        }

        public void OnText(ReadOnlySpan<char> text)
        {
            turn._text.Append(text);
            turn.Emit(new TextDelta(text.ToString()));
        }

        public void OnReasoning(ReadOnlySpan<char> text) => turn.Emit(new ReasoningDelta(text.ToString()));

        public void OnCallStarted(int index, string? id, string name)
        {
            int flowIndex = turn._nextIndex++;
            _indexes[index] = flowIndex;
            string callId = string.IsNullOrEmpty(id) || idsAreLabels ? turn.NewCallId(flowIndex) : id;
            if (idsAreLabels && !string.IsNullOrEmpty(id))
            {
                _labels[index] = id;
            }
            else if (!string.IsNullOrEmpty(id))
            {
                _byProviderId.TryAdd(id, index);
            }

            callIds[index] = callId;
            _open[index] = (name, new StringBuilder());
            turn.Emit(new ToolCallDetected(callId, name, flowIndex));
        }

        public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment)
        {
            if (callIds.TryGetValue(index, out string? callId))
            {
                // Kept so that an abandoned call can still be answered; parser limits bound its size.
                _open[index].Arguments.Append(fragment);
                turn.Emit(new ToolArgumentsDelta(callId, _indexes[index], fragment.ToString()));
            }
        }

        public void OnCallCompleted(ParsedToolCall call)
        {
            if (!_indexes.TryGetValue(call.Index, out int flowIndex))
            {
                OnCallStarted(call.Index, call.Id, call.Name);
                flowIndex = _indexes[call.Index];
            }

            _open.Remove(call.Index);

            Dictionary<string, object?>? arguments = null;
            string? error = call.Error;
            if (error is null && call.Arguments is JsonElement { ValueKind: JsonValueKind.Object } json)
            {
                arguments = [];
                foreach (JsonProperty property in json.EnumerateObject())
                {
                    arguments[property.Name] = property.Value.Clone();
                }
            }
            else
            {
                error ??= "The arguments are not a JSON object.";
            }

            turn.Close(new ToolCall(callIds[call.Index], call.Name, flowIndex, turn.Turn, arguments, call.ArgumentsJson, error, _labels.GetValueOrDefault(call.Index)));
        }

        public void OnCallAborted(int index, string reason)
        {
            turn.Emit(new DiagnosticReported("call-aborted", $"A tool call was abandoned: {reason}"));

            // The call is in the response, so the model gets an error result for it instead of silence.
            if (_open.Remove(index, out (string Name, StringBuilder Arguments) open))
            {
                turn.Close(new ToolCall(callIds[index], open.Name, _indexes[index], turn.Turn, null, open.Arguments.ToString(), reason, _labels.GetValueOrDefault(index)));
            }
        }

        public void OnDiagnostic(ParserDiagnostic diagnostic) =>
            turn.Emit(new DiagnosticReported(diagnostic.Code, $"{diagnostic.Message} (at offset {diagnostic.Offset})"));
    }
}
