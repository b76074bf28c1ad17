using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolFlow.Blocks;
using ToolFlow.Tokenizers;

namespace ToolFlow.Profiling;

/// <summary>
/// Turns a run's events into a scenario file that replays it: the measured time to first token and decode speed,
/// each turn's text and calls in the order they streamed, and each call's measured latency (as its
/// <c>latencyMs</c>; each tool's distribution is fixed at its median). Feed it every event of a run
/// (<see cref="Record"/>), then <see cref="Save"/>; <c>toolflow bench --scenario FILE</c> replays the file. A turn's
/// tokens are the model's reported output count, or else its text and calls counted by the recorder's tokenizer (the
/// scenario names it, so the replay streams the same tokens).
/// </summary>
public sealed class ScenarioRecorder
{
    private readonly string _name;
    private readonly ITokenCounter _tokenizer;
    private readonly List<RecordedTurn> _turns = [];
    private readonly Dictionary<string, (string Tool, JsonObject Segment)> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _latencies = new(StringComparer.Ordinal);
    private string? _prompt;

    /// <summary>Starts a recording that counts tokens in o200k_base.</summary>
    /// <param name="name">The scenario's name.</param>
    public ScenarioRecorder(string name)
        : this(name, TiktokenCounter.O200kBase)
    {
    }

    /// <summary>Starts a recording that counts tokens with <paramref name="tokenizer"/>.</summary>
    /// <param name="name">The scenario's name.</param>
    /// <param name="tokenizer">
    /// Counts a turn's tokens where the model reports none; one of <see cref="TiktokenCounter.KnownNames"/>, so the
    /// scenario can name it.
    /// </param>
    public ScenarioRecorder(string name, ITokenCounter tokenizer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (!TiktokenCounter.KnownNames.Contains(tokenizer.Name, StringComparer.Ordinal))
        {
            throw new ArgumentException($"A scenario names its tokenizer, and '{tokenizer.Name}' is none of {string.Join(", ", TiktokenCounter.KnownNames)}.", nameof(tokenizer));
        }

        _name = name;
        _tokenizer = tokenizer;
    }

    /// <summary>Records one event of the run, in the order the run produced them.</summary>
    /// <param name="event">The event.</param>
    public void Record(ToolPipelineEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        RecordedTurn? turn = _turns.Count > 0 ? _turns[^1] : null;
        switch (@event)
        {
            case TurnStarted started:
                _prompt ??= started.Messages.LastOrDefault(m => m.Role == Microsoft.Extensions.AI.ChatRole.User)?.Text;
                _turns.Add(new RecordedTurn(started.Timestamp));
                break;
            case TextDelta text when turn is not null:
                turn.FirstToken ??= text.Timestamp;
                turn.Text.Append(text.Text);
                break;
            case ToolCallDetected or ToolArgumentsDelta or ReasoningDelta when turn is not null:
                turn.FirstToken ??= @event.Timestamp;
                break;
            case ToolCallClosed closed when turn is not null:
                turn.FirstToken ??= closed.Timestamp;
                turn.FlushText(_tokenizer);
                var segment = new JsonObject { ["call"] = closed.Call.Name, ["id"] = closed.Call.CallId, ["arguments"] = Arguments(closed.Call.ArgumentsJson) };
                turn.Segments.Add(segment);

                // The call's header (its id and name) is one token, as the scripted model sends it; then its arguments.
                turn.CountedTokens += 1 + _tokenizer.CountTokens(closed.Call.ArgumentsJson);
                _calls[closed.Call.CallId] = (closed.Call.Name, segment);
                break;
            case ToolCallStarted started when _calls.ContainsKey(started.Call.CallId):
                _calls[started.Call.CallId].Segment["startedAt"] = started.Timestamp.UtcTicks;
                break;
            case ToolCallCompleted completed:
                Latency(completed.Call.CallId, completed.Timestamp);
                break;
            case ToolCallFailed failed:
                Latency(failed.Call.CallId, failed.Timestamp);
                break;
            case ResponseCompleted response when turn is not null:
                turn.FlushText(_tokenizer);
                turn.DecodeEnd = response.Timestamp;
                turn.Tokens = response.Usage?.OutputTokenCount;
                break;
        }
    }

    /// <summary>The recorded scenario, in the scenario file schema.</summary>
    /// <returns>The JSON.</returns>
    public JsonObject ToJson()
    {
        var ttfts = new List<double>();
        double tokens = 0;
        double decodeMs = 0;
        foreach (RecordedTurn turn in _turns.Where(t => t.FirstToken is not null && t.DecodeEnd is not null))
        {
            ttfts.Add((turn.FirstToken!.Value - turn.Started).TotalMilliseconds);
            double count = turn.Tokens ?? Math.Max(1, turn.CountedTokens);
            double span = (turn.DecodeEnd!.Value - turn.FirstToken!.Value).TotalMilliseconds;
            if (count > 1 && span > 0)
            {
                tokens += count - 1;
                decodeMs += span;
            }
        }

        var tools = new JsonObject();
        foreach ((string tool, List<double> latencies) in _latencies.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            tools[tool] = new JsonObject { ["latency"] = new JsonObject { ["kind"] = "fixed", ["ms"] = Math.Round(Median(latencies)) } };
        }

        foreach ((string tool, _) in _calls.Values.Where(c => !tools.ContainsKey(c.Tool)))
        {
            tools[tool] = new JsonObject { ["latency"] = new JsonObject { ["kind"] = "fixed", ["ms"] = 0 } };
        }

        var turns = new JsonArray();
        foreach (RecordedTurn turn in _turns)
        {
            turn.FlushText(_tokenizer);
            var segments = new JsonArray();
            foreach (JsonObject segment in turn.Segments)
            {
                var copy = (JsonObject)segment.DeepClone();
                copy.Remove("startedAt");
                segments.Add(copy);
            }

            turns.Add(segments);
        }

        if (turns.Count == 0 || _turns[^1].Segments.Any(s => s["call"] is not null))
        {
            turns.Add(new JsonArray(new JsonObject { ["text"] = string.Empty }));
        }

        // Dated by the run's own clock (its events' timestamps), not the machine's.
        string recorded = _turns.Count > 0 ? " " + _turns[0].Started.ToString("u", CultureInfo.InvariantCulture) : string.Empty;
        return new JsonObject
        {
            ["name"] = _name,
            ["description"] = $"Recorded{recorded}: {_turns.Count} turns, {_calls.Count} calls.",
            ["model"] = new JsonObject
            {
                ["timeToFirstTokenMs"] = Math.Round(ttfts.Count > 0 ? Median(ttfts) : 0),
                ["tokensPerSecond"] = Math.Round(decodeMs > 0 ? tokens * 1000.0 / decodeMs : 50, 2),
                ["tokenizer"] = _tokenizer.Name,
            },
            ["tools"] = tools,
            ["prompt"] = _prompt ?? "Go.",
            ["turns"] = turns,
        };
    }

    /// <summary>Writes the scenario file.</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private void Latency(string callId, DateTimeOffset completed)
    {
        if (!_calls.TryGetValue(callId, out (string Tool, JsonObject Segment) call) || call.Segment["startedAt"] is not JsonValue startedAt)
        {
            return;
        }

        double ms = Math.Round((completed - new DateTimeOffset(startedAt.GetValue<long>(), TimeSpan.Zero)).TotalMilliseconds);
        call.Segment["latencyMs"] = ms;
        if (!_latencies.TryGetValue(call.Tool, out List<double>? list))
        {
            _latencies[call.Tool] = list = [];
        }

        list.Add(ms);
    }

    private static JsonObject Arguments(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is JsonObject o)
            {
                o.Remove(ScenarioRendering.CallArgument);
                o.Remove(ScenarioRendering.AfterArgument);
                return o;
            }
        }
        catch (JsonException)
        {
        }

        return new JsonObject { ["raw"] = json };
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class RecordedTurn(DateTimeOffset started)
    {
        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset? FirstToken { get; set; }

        public DateTimeOffset? DecodeEnd { get; set; }

        public long? Tokens { get; set; }

        // The turn's tokens by the recorder's tokenizer: each text run between calls, each call's header and arguments.
        public int CountedTokens { get; set; }

        public System.Text.StringBuilder Text { get; } = new();

        public List<JsonObject> Segments { get; } = [];

        public void FlushText(ITokenCounter tokenizer)
        {
            if (Text.Length > 0)
            {
                string text = Text.ToString();
                CountedTokens += tokenizer.CountTokens(text);
                Segments.Add(new JsonObject { ["text"] = text });
                Text.Clear();
            }
        }
    }
}
