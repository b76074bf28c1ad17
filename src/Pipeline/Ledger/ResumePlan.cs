using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// What a resumed run takes from the ledger: the caller's messages, the model's message of every turn recorded
/// complete (replayed instead of asking the model again), and the recorded calls, which the calls of the resumed run
/// claim, by call id or else by turn, tool, canonical arguments and occurrence.
/// </summary>
/// <remarks>Claims are made under the recorder's lock.</remarks>
internal sealed class ResumePlan
{
    private readonly List<ToolCallLedgerEntry> _unclaimed;
    private readonly Dictionary<string, ToolCallLedgerEntry> _claims = new(StringComparer.Ordinal);

    private ResumePlan(LedgerRun recorded, List<ChatMessage> messages, Dictionary<int, ChatMessage> replies)
    {
        Recorded = recorded;
        Messages = messages;
        Replies = replies;
        _unclaimed = [.. recorded.Calls.OrderBy(c => c.Turn).ThenBy(c => c.Index)];
    }

    /// <summary>The run as the ledger held it when the resume began.</summary>
    public LedgerRun Recorded { get; }

    /// <summary>The caller's messages the run started from.</summary>
    public List<ChatMessage> Messages { get; }

    /// <summary>The model's message of each turn recorded complete, by turn.</summary>
    public Dictionary<int, ChatMessage> Replies { get; }

    /// <summary>Reads a recorded run; throws <see cref="InvalidDataException"/> if its messages cannot be read.</summary>
    public static ResumePlan Load(LedgerRun run)
    {
        List<ChatMessage> messages = Read(run.Run.MessagesJson, $"run '{run.Run.RunId}'");
        var replies = new Dictionary<int, ChatMessage>();

        // Turns complete from the first on: a turn after a gap cannot be replayed on a conversation that lacks the gap.
        int expected = 1;
        foreach (LedgerTurnRecord turn in run.Turns.OrderBy(t => t.Turn))
        {
            if (turn.Turn != expected || turn.MessagesJson is null)
            {
                break;
            }

            List<ChatMessage> added = Read(turn.MessagesJson, $"turn {turn.Turn} of run '{run.Run.RunId}'");
            if (added.Count == 0 || added[0].Role != ChatRole.Assistant)
            {
                throw new InvalidDataException($"The ledger's turn {turn.Turn} of run '{run.Run.RunId}' does not start with the model's message.");
            }

            replies[turn.Turn] = added[0];
            expected++;
        }

        return new ResumePlan(run, messages, replies);
    }

    /// <summary>Whether a recorded call's outcome stands, so a resume takes it instead of running the call.</summary>
    /// <remarks>
    /// A call cancelled in a turn that never completed was most likely cancelled by the interruption itself: it
    /// counts as under way, not as ended.
    /// </remarks>
    public static bool IsDone(ToolCallLedgerEntry entry, IReadOnlyDictionary<int, LedgerTurnRecord> turns) => entry.Outcome switch
    {
        ToolCallLedgerOutcome.Succeeded => true,
        ToolCallLedgerOutcome.Failed when entry.FailureKind == ToolCallFailureKind.Cancelled =>
            turns.TryGetValue(entry.Turn, out LedgerTurnRecord? turn) && turn.MessagesJson is not null,
        ToolCallLedgerOutcome.Failed => true,
        _ => false,
    };

    /// <summary>The executor's decision for a call whose recorded outcome stands: the recorded result or failure.</summary>
    public static ToolCallHookDecision Replay(ToolCallLedgerEntry entry)
    {
        if (entry.Outcome == ToolCallLedgerOutcome.Succeeded)
        {
            return ToolCallHookDecision.Replay(entry.ResultJson is null ? null : JsonSerializer.Deserialize<JsonElement>(entry.ResultJson));
        }

        string forModel = entry.ResultJson is null ? $"Error: the call to '{entry.Tool}' failed." : JsonSerializer.Deserialize<string>(entry.ResultJson) ?? string.Empty;
        ToolCallFailureKind kind = entry.FailureKind ?? ToolCallFailureKind.ToolException;
        return ToolCallHookDecision.Fail(new ToolCallOutcomeException(kind, $"The call to '{entry.Tool}' failed before the run was interrupted ({kind}); its recorded outcome stands.", forModel));
    }

    /// <summary>Whether a recorded call of this id is still to be claimed.</summary>
    public bool Holds(string callId) => _unclaimed.Exists(e => e.CallId == callId);

    /// <summary>The recorded call a call of the resumed run is, if any; each recorded call is claimed once.</summary>
    public ToolCallLedgerEntry? Claim(ToolCall call, string canonicalArguments)
    {
        if (_claims.TryGetValue(call.CallId, out ToolCallLedgerEntry? claimed))
        {
            return claimed;
        }

        int index = _unclaimed.FindIndex(e => e.CallId == call.CallId && e.Turn == call.Turn && e.Tool == call.Name);
        if (index < 0)
        {
            // A provider asked again may mint new ids: the same call is the same tool with the same arguments, the
            // first of them not yet claimed.
            index = _unclaimed.FindIndex(e => e.Turn == call.Turn && e.Tool == call.Name && e.ArgumentsJson == canonicalArguments);
        }

        if (index < 0)
        {
            return null;
        }

        ToolCallLedgerEntry entry = _unclaimed[index];
        _unclaimed.RemoveAt(index);
        _claims[call.CallId] = entry;
        return entry;
    }

    private static List<ChatMessage> Read(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<List<ChatMessage>>(json, AIJsonUtilities.DefaultOptions)
                ?? throw new InvalidDataException($"The ledger's messages of {what} are null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The ledger's messages of {what} are not a JSON array of chat messages: {e.Message}", e);
        }
    }
}
