using System.Text.Json;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>The fold behind every snapshot: call states, messages so far, turns, and a state rebuilt from its snapshot.</summary>
public sealed class ChatStateTests
{
    private static readonly DateTimeOffset s_at = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ChatState Fold(ChatState state, params ChatEvent[] events)
    {
        foreach (ChatEvent e in events)
        {
            state.Apply(e with { Id = state.LastId + 1, Turn = e.Turn == 0 ? 1 : e.Turn, Timestamp = s_at });
        }

        return state;
    }

    private static string States(ToolPipelineChatSnapshot snapshot) => string.Join(", ", snapshot.Calls.Select(c => $"{c.CallId}={c.State}"));

    [Fact]
    public void Apply_CallLifecycles_StatesAsTheContractNamesThem()
    {
        ChatState state = Fold(
            new ChatState(ChatState.Empty("c", s_at)),
            new UserMessageEvent("go"),
            new TurnStartedEvent(),
            new ToolCallDetectedEvent("a", "t", 0),
            new ToolCallDetectedEvent("b", "t", 1),
            new ToolCallDetectedEvent("c", "t", 2),
            new ToolCallDetectedEvent("d", "t", 3),
            new ToolCallDetectedEvent("e", "t", 4),
            new ToolCallDetectedEvent("f", "t", 5),
            new ToolCallWaitingEvent("b", "dependencies", "a", ["a"]),
            new ToolCallWaitingEvent("c", "approval", null, []),
            new ToolCallApprovalRequestedEvent("d", "t", default),
            new ToolCallStartedEvent("e", "t"),
            new ToolCallFailedEvent("f", "t", "dependencyFailed", "its input failed", null));
        ToolPipelineChatSnapshot snapshot = state.ToSnapshot();
        Assert.Equal("a=detected, b=waiting, c=awaitingApproval, d=awaitingApproval, e=running, f=cancelled", States(snapshot));
        Assert.Equal(["a"], snapshot.Calls[1].DependsOn);
        Assert.Equal("dependencies", snapshot.Calls[1].WaitReason);
        Assert.True(snapshot.Running);

        Fold(
            state,
            new ToolCallStartedEvent("a", "t"),
            new ToolCallCompletedEvent("a", "t", 12, "ok"),
            new ToolCallFailedEvent("b", "t", "cancelled", "cancelled", null),
            new ToolCallFailedEvent("c", "t", "rejected", "no", null),
            new ToolCallFailedEvent("d", "t", "discarded", "late", null),
            new ToolCallFailedEvent("e", "t", "toolException", "boom", 5),
            new RunCompletedEvent("finalAnswer", string.Empty));
        snapshot = state.ToSnapshot();
        Assert.Equal("a=done, b=cancelled, c=denied, d=cancelled, e=failed, f=cancelled", States(snapshot));
        Assert.Equal(("ok", 12.0, null), (snapshot.Calls[0].ResultPreview, snapshot.Calls[0].DurationMs, snapshot.Calls[0].WaitReason));
        Assert.Equal(("boom", 5.0), (snapshot.Calls[4].Error, snapshot.Calls[4].DurationMs));
        Assert.False(snapshot.Running);
        Assert.Equal(20, snapshot.Id);
    }

    [Fact]
    public void ToSnapshot_MidStream_TextAndArgumentsSoFarThenTheTurnsFinalText()
    {
        ChatState state = Fold(
            new ChatState(ChatState.Empty("c", s_at)),
            new UserMessageEvent("go"),
            new TurnStartedEvent(),
            new TextDeltaEvent("Look"),
            new TextDeltaEvent("ing."),
            new ToolCallDetectedEvent("a", "t", 0),
            new ToolArgumentsDeltaEvent("a", 0, "{\"q\":"));
        ToolPipelineChatSnapshot midway = state.ToSnapshot();
        Assert.Equal(["user@1: go", "assistant@1: Looking."], midway.Messages.Select(m => $"{m.Role}@{m.Turn}: {m.Text}"));
        Assert.Equal("{\"q\":", midway.Calls[0].Arguments);

        Fold(
            state,
            new ToolArgumentsDeltaEvent("a", 0, " 1}"),
            new ToolCallClosedEvent("a", "t", 0, JsonDocument.Parse("{\"q\": 1}").RootElement, "{\"q\": 1}"),
            new ModelStreamEndedEvent("tool_calls", null),
            new TurnCompletedEvent("Looking!"),
            new TurnStartedEvent() { Turn = 2 },
            new TextDeltaEvent("Done.") { Turn = 2 });
        ToolPipelineChatSnapshot later = state.ToSnapshot();
        Assert.Equal(["user@1: go", "assistant@1: Looking!", "assistant@2: Done."], later.Messages.Select(m => $"{m.Role}@{m.Turn}: {m.Text}"));
        Assert.Equal("{\"q\": 1}", later.Calls[0].Arguments);
        Assert.Equal([(1, true, true), (2, false, false)], later.Turns.Select(t => (t.Turn, t.DecodeEndedAt is not null, t.EndedAt is not null)));

        // A run that ends without the turn's final text keeps what streamed; rebuilt from its snapshot, the state is the same.
        Fold(state, new RunCompletedEvent("turnCancelled", string.Empty) { Turn = 2 });
        later = state.ToSnapshot();
        Assert.Equal("Done.", later.Messages[^1].Text);
        var rebuilt = new ChatState(later);
        Assert.Equal((later.Id, 2), (rebuilt.LastId, rebuilt.LastTurn));
        Assert.Equal(JsonSerializer.Serialize(later, ChatJsonContext.Default.ToolPipelineChatSnapshot), JsonSerializer.Serialize(rebuilt.ToSnapshot(), ChatJsonContext.Default.ToolPipelineChatSnapshot));
    }
}
