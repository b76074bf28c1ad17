using System.Text;

namespace ToolFlow.AspNetCore;

/// <summary>
/// A conversation's state folded from its wire events: the snapshot clients resync from. Not thread-safe: the hub
/// applies events and takes snapshots under its lock.
/// </summary>
internal sealed class ChatState
{
    private readonly string _conversationId;
    private readonly DateTimeOffset _createdAt;
    private readonly List<ToolPipelineChatMessage> _messages;
    private readonly List<ToolPipelineChatCall> _calls;
    private readonly Dictionary<string, int> _callIndex = new(StringComparer.Ordinal);
    private readonly List<ToolPipelineChatTurn> _turns;

    // Text that streams is gathered in builders, so a long answer costs O(n), and is copied out for a snapshot.
    private readonly Dictionary<string, StringBuilder> _arguments = new(StringComparer.Ordinal);
    private StringBuilder? _assistantText;
    private int _assistantIndex = -1;

    public ChatState(ToolPipelineChatSnapshot snapshot)
    {
        _conversationId = snapshot.ConversationId;
        _createdAt = snapshot.CreatedAt;
        _messages = [.. snapshot.Messages];
        _calls = [.. snapshot.Calls];
        _turns = [.. snapshot.Turns];
        for (int i = 0; i < _calls.Count; i++)
        {
            _callIndex[_calls[i].CallId] = i;
        }

        LastId = snapshot.Id;

        // A stored state may be mid-run (a conversation grain resuming the turn its node lost): it stays running until its runCompleted.
        Running = snapshot.Running;
        LastTurn = _turns.Count == 0 ? _messages.Select(m => m.Turn).DefaultIfEmpty().Max() : _turns[^1].Turn;
    }

    /// <summary>The id of the last event applied.</summary>
    public long LastId { get; private set; }

    /// <summary>The last model turn seen, counted across the conversation.</summary>
    public int LastTurn { get; private set; }

    /// <summary>Whether a run is going (from the user message to its <c>runCompleted</c>).</summary>
    public bool Running { get; private set; }

    public static ToolPipelineChatSnapshot Empty(string conversationId, DateTimeOffset createdAt) =>
        new(0, conversationId, createdAt, Running: false, [], [], []);

    public ToolPipelineChatCall? Call(string callId) => _callIndex.TryGetValue(callId, out int i) ? _calls[i] : null;

    public void Apply(ChatEvent e)
    {
        LastId = e.Id;
        LastTurn = Math.Max(LastTurn, e.Turn);
        switch (e)
        {
            case UserMessageEvent m:
                Running = true;
                _messages.Add(new ToolPipelineChatMessage("user", e.Turn, m.Text));
                break;
            case TurnStartedEvent:
                _turns.Add(new ToolPipelineChatTurn(e.Turn, e.Timestamp, null, null));
                break;
            case TextDeltaEvent d:
                if (_assistantIndex < 0 || _messages[_assistantIndex].Turn != e.Turn)
                {
                    _messages.Add(new ToolPipelineChatMessage("assistant", e.Turn, string.Empty));
                    _assistantIndex = _messages.Count - 1;
                    _assistantText = new StringBuilder();
                }

                _assistantText!.Append(d.Text);
                break;
            case TurnCompletedEvent t:
                if (_assistantIndex >= 0 && _messages[_assistantIndex].Turn == e.Turn)
                {
                    _messages[_assistantIndex] = _messages[_assistantIndex] with { Text = t.Text };
                }
                else if (t.Text.Length > 0)
                {
                    _messages.Add(new ToolPipelineChatMessage("assistant", e.Turn, t.Text));
                }

                (_assistantIndex, _assistantText) = (-1, null);
                UpdateTurn(e.Turn, turn => turn with { EndedAt = e.Timestamp });
                break;
            case ModelStreamEndedEvent:
                UpdateTurn(e.Turn, turn => turn with { DecodeEndedAt = e.Timestamp });
                break;
            case ToolCallDetectedEvent d:
                AddCall(d.CallId, d.Name, e.Turn, d.Index, e.Timestamp);
                break;
            case ToolArgumentsDeltaEvent a:
                if (_callIndex.ContainsKey(a.CallId))
                {
                    (_arguments.TryGetValue(a.CallId, out StringBuilder? text) ? text : _arguments[a.CallId] = new StringBuilder()).Append(a.Fragment);
                }

                break;
            case ToolCallClosedEvent c:
                AddCall(c.CallId, c.Name, e.Turn, c.Index, e.Timestamp);
                _arguments.Remove(c.CallId);
                UpdateCall(c.CallId, call => call with { Arguments = c.ArgumentsText });
                break;
            case ToolCallWaitingEvent w:
                UpdateCall(w.CallId, call => call with
                {
                    State = w.Reason == "approval" ? "awaitingApproval" : "waiting",
                    WaitReason = w.Reason,
                    DependsOn = w.DependsOn,
                });
                break;
            case ToolCallApprovalRequestedEvent a:
                UpdateCall(a.CallId, call => call with { State = "awaitingApproval", WaitReason = "approval" });
                break;
            case ToolCallStartedEvent s:
                UpdateCall(s.CallId, call => call with { State = "running", WaitReason = null, StartedAt = e.Timestamp });
                break;
            case ToolCallProgressedEvent p:
                UpdateCall(p.CallId, call => call with { Progress = p.Progress, Total = p.Total, ProgressMessage = p.Message });
                break;
            case ToolCallRetryingEvent r:
                UpdateCall(r.CallId, call => call with { Error = r.Error });
                break;
            case ToolCallCompletedEvent c:
                UpdateCall(c.CallId, call => call with { State = "done", WaitReason = null, DurationMs = c.DurationMs, ResultPreview = c.ResultPreview, Error = null, EndedAt = e.Timestamp });
                break;
            case ToolCallFailedEvent f:
                UpdateCall(f.CallId, call => call with { State = StateOfFailure(f.Kind), WaitReason = null, DurationMs = f.DurationMs, Error = f.Error, EndedAt = e.Timestamp });
                break;
            case RunCompletedEvent:
                // A run cut short may end without its turn's final text: keep what streamed.
                Running = false;
                if (_assistantIndex >= 0 && _assistantText is not null)
                {
                    _messages[_assistantIndex] = _messages[_assistantIndex] with { Text = _assistantText.ToString() };
                }

                (_assistantIndex, _assistantText) = (-1, null);
                break;
        }
    }

    /// <summary>The calls that have not ended: detected, waiting, awaiting approval or running.</summary>
    public IEnumerable<ToolPipelineChatCall> UnfinishedCalls() =>
        _calls.Where(static c => c.State is not ("done" or "failed" or "cancelled" or "denied"));

    public ToolPipelineChatSnapshot ToSnapshot()
    {
        ToolPipelineChatMessage[] messages = [.. _messages];
        if (_assistantIndex >= 0 && _assistantText is not null)
        {
            messages[_assistantIndex] = messages[_assistantIndex] with { Text = _assistantText.ToString() };
        }

        ToolPipelineChatCall[] calls = [.. _calls];
        foreach ((string callId, StringBuilder text) in _arguments)
        {
            int i = _callIndex[callId];
            calls[i] = calls[i] with { Arguments = text.ToString() };
        }

        return new ToolPipelineChatSnapshot(LastId, _conversationId, _createdAt, Running, messages, calls, [.. _turns]);
    }

    private static string StateOfFailure(string kind) => kind switch
    {
        "cancelled" or "discarded" or "dependencyFailed" => "cancelled",
        "rejected" or "permissionDenied" => "denied",
        _ => "failed",
    };

    private void AddCall(string callId, string name, int turn, int index, DateTimeOffset at)
    {
        if (!_callIndex.ContainsKey(callId))
        {
            _callIndex[callId] = _calls.Count;
            _calls.Add(new ToolPipelineChatCall(callId, name, turn, index, "detected", string.Empty, at));
        }
    }

    private void UpdateCall(string callId, Func<ToolPipelineChatCall, ToolPipelineChatCall> update)
    {
        if (_callIndex.TryGetValue(callId, out int i))
        {
            _calls[i] = update(_calls[i]);
        }
    }

    private void UpdateTurn(int turn, Func<ToolPipelineChatTurn, ToolPipelineChatTurn> update)
    {
        int i = _turns.FindLastIndex(t => t.Turn == turn);
        if (i >= 0)
        {
            _turns[i] = update(_turns[i]);
        }
    }
}
