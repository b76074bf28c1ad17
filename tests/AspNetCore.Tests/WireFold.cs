using System.Text;
using System.Text.Json;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>
/// The test's own fold of the wire events (written apart from the library's), so two clients' views of a
/// conversation, or a view and the snapshot route, can be compared as a whole.
/// </summary>
internal sealed class WireFold
{
    private readonly SortedDictionary<string, string> _calls = new(StringComparer.Ordinal);
    private readonly List<(string Role, int Turn, StringBuilder Text)> _messages = [];

    public long LastId { get; private set; }

    public bool Running { get; private set; }

    public IReadOnlyDictionary<string, string> Calls => _calls;

    /// <summary>Turns started, and those whose model stream has ended.</summary>
    public int TurnsStarted { get; private set; }

    public int TurnsDecoded { get; private set; }

    /// <summary>
    /// Every started turn's stream has ended: with its calls held by gates (running or awaiting a decision), the
    /// conversation publishes nothing more until the test acts, so a snapshot taken now stays the latest.
    /// </summary>
    public bool DecodeDone => TurnsStarted > 0 && TurnsDecoded == TurnsStarted;

    public static WireFold Of(IEnumerable<SseMessage> messages)
    {
        var fold = new WireFold();
        foreach (SseMessage message in messages)
        {
            fold.Apply(message);
        }

        return fold;
    }

    public static WireFold OfSnapshot(JsonElement snapshot)
    {
        var fold = new WireFold();
        fold.Apply(new SseMessage(snapshot.GetProperty("id").GetInt64(), "snapshot", snapshot));
        return fold;
    }

    public void Apply(SseMessage m)
    {
        JsonElement d = m.Data;
        switch (m.Type)
        {
            case "snapshot":
                _calls.Clear();
                _messages.Clear();
                foreach (JsonElement message in d.GetProperty("messages").EnumerateArray())
                {
                    _messages.Add((message.GetProperty("role").GetString()!, message.GetProperty("turn").GetInt32(), new StringBuilder(message.GetProperty("text").GetString())));
                }

                foreach (JsonElement call in d.GetProperty("calls").EnumerateArray())
                {
                    _calls[call.GetProperty("callId").GetString()!] = call.GetProperty("state").GetString()!;
                }

                Running = d.GetProperty("running").GetBoolean();
                TurnsStarted = d.GetProperty("turns").GetArrayLength();
                TurnsDecoded = d.GetProperty("turns").EnumerateArray().Count(t => t.GetProperty("decodeEndedAt").ValueKind == JsonValueKind.String);
                break;
            case "turnStarted":
                TurnsStarted++;
                break;
            case "modelStreamEnded":
                TurnsDecoded++;
                break;
            case "userMessage":
                Running = true;
                _messages.Add(("user", Turn(d), new StringBuilder(d.GetProperty("text").GetString())));
                break;
            case "textDelta":
                Assistant(Turn(d)).Append(d.GetProperty("text").GetString());
                break;
            case "turnCompleted":
                string text = d.GetProperty("text").GetString()!;
                if (text.Length > 0 || _messages.Exists(x => x.Role == "assistant" && x.Turn == Turn(d)))
                {
                    Assistant(Turn(d)).Clear().Append(text);
                }

                break;
            case "toolCallDetected":
                _calls[m.CallId!] = "detected";
                break;
            case "toolCallWaiting":
                _calls[m.CallId!] = d.GetProperty("reason").GetString() == "approval" ? "awaitingApproval" : "waiting";
                break;
            case "toolCallApprovalRequested":
                _calls[m.CallId!] = "awaitingApproval";
                break;
            case "toolCallStarted":
                _calls[m.CallId!] = "running";
                break;
            case "toolCallCompleted":
                _calls[m.CallId!] = "done";
                break;
            case "toolCallFailed":
                _calls[m.CallId!] = d.GetProperty("kind").GetString() switch
                {
                    "cancelled" or "discarded" or "dependencyFailed" => "cancelled",
                    "rejected" or "permissionDenied" => "denied",
                    _ => "failed",
                };
                break;
            case "runCompleted":
                Running = false;
                break;
        }

        LastId = m.Id;
    }

    /// <summary>The whole view as one string, for equality with a readable diff.</summary>
    public override string ToString() =>
        $"id {LastId}, running {Running}; messages: {string.Join(" | ", _messages.Select(x => $"{x.Role}@{x.Turn}: {x.Text}"))}; calls: {string.Join(", ", _calls.Select(c => $"{c.Key}={c.Value}"))}";

    private static int Turn(JsonElement data) => data.GetProperty("turn").GetInt32();

    private StringBuilder Assistant(int turn)
    {
        if (_messages.Count == 0 || _messages[^1].Role != "assistant" || _messages[^1].Turn != turn)
        {
            _messages.Add(("assistant", turn, new StringBuilder()));
        }

        return _messages[^1].Text;
    }
}
