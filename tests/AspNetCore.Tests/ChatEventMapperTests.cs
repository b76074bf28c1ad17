using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>Each pipeline event as it goes on the wire: its type, its fields, its conversation-wide turn; internal events go nowhere.</summary>
public sealed class ChatEventMapperTests
{
    private static readonly DateTimeOffset s_at = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly ToolCall s_call = new("c1", "search", 0, 1, null, """{"q":"x"}""");

    private static JsonElement Wire(ToolPipelineEvent e, int turnOffset = 0, int previewLength = 500)
    {
        ChatEvent mapped = ChatEventMapper.Map(e with { Turn = 1, Timestamp = s_at }, turnOffset, previewLength)!;
        return JsonDocument.Parse(ConversationHub.ToItem(mapped with { Id = 7 }).Data).RootElement.Clone();
    }

    private static string Fields(JsonElement data, params string[] names) =>
        string.Join(", ", names.Select(n => $"{n}={(data.GetProperty(n).ValueKind == JsonValueKind.String ? data.GetProperty(n).GetString() : data.GetProperty(n).GetRawText())}"));

    [Fact]
    public void Map_EveryEventOfTheContract_ItsTypeAndFields()
    {
        var response = new ResponseCompleted(new ChatMessage(ChatRole.Assistant, "the text"), [s_call], ChatFinishReason.ToolCalls, null, null);
        (ToolPipelineEvent Event, string Expected, string[] Names)[] cases =
        [
            (new TurnStarted([]), "type=turnStarted", ["type"]),
            (new TextDelta("hi <b>"), "type=textDelta, text=hi <b>", ["type", "text"]),
            (new ReasoningDelta("hmm"), "type=reasoningDelta, text=hmm", ["type", "text"]),
            (new ToolCallDetected("c1", "search", 0), "type=toolCallDetected, callId=c1, name=search, index=0", ["type", "callId", "name", "index"]),
            (new ToolArgumentsDelta("c1", 0, "{\"q"), "type=toolArgumentsDelta, callId=c1, index=0, fragment={\"q", ["type", "callId", "index", "fragment"]),
            (new ToolCallClosed(s_call), "type=toolCallClosed, callId=c1, name=search, arguments={\"q\":\"x\"}", ["type", "callId", "name", "arguments"]),
            (new ToolCallClosed(s_call with { ArgumentsJson = "{oops" }), "arguments={oops", ["arguments"]),
            (new ToolCallWaiting(s_call, ToolCallWaitReason.Dependencies, "a, b"), "type=toolCallWaiting, reason=dependencies, detail=a, b, dependsOn=[\"a\",\"b\"]", ["type", "reason", "detail", "dependsOn"]),
            (new ToolCallWaiting(s_call, ToolCallWaitReason.ResponseEnd, null), "reason=responseEnd, detail=null, dependsOn=[]", ["reason", "detail", "dependsOn"]),
            (new ToolCallApprovalRequested(s_call), "type=toolCallApprovalRequested, callId=c1, name=search, arguments={\"q\":\"x\"}", ["type", "callId", "name", "arguments"]),
            (new ToolCallStarted(s_call), "type=toolCallStarted, callId=c1, name=search", ["type", "callId", "name"]),
            (new ToolCallProgressed(s_call, 3, 10, "3 of 10"), "type=toolCallProgressed, progress=3, total=10, message=3 of 10", ["type", "progress", "total", "message"]),
            (new ToolCallRetrying(s_call, 2, TimeSpan.FromMilliseconds(250), new TimeoutException("slow")), "type=toolCallRetrying, attempt=2, delayMs=250, error=slow", ["type", "attempt", "delayMs", "error"]),
            (new ToolCallCompleted(s_call, "done!", TimeSpan.FromMilliseconds(1500)), "type=toolCallCompleted, name=search, durationMs=1500, resultPreview=done!", ["type", "name", "durationMs", "resultPreview"]),
            (new ToolCallCompleted(s_call, JsonSerializer.SerializeToElement(new { n = 1 }), TimeSpan.Zero), "resultPreview={\"n\":1}", ["resultPreview"]),
            (new ToolCallFailed(s_call, ToolCallFailureKind.TimedOut, "took too long", "", null, TimeSpan.FromSeconds(2)), "type=toolCallFailed, kind=timedOut, error=took too long, durationMs=2000", ["type", "kind", "error", "durationMs"]),
            (new ToolCallFailed(s_call, ToolCallFailureKind.Rejected, "denied", "", null, null), "kind=rejected, durationMs=null", ["kind", "durationMs"]),
            (new ToolCallFailed(s_call, ToolCallFailureKind.Quarantined, "withheld", "", null, TimeSpan.FromSeconds(1)), "kind=quarantined", ["kind"]),
            (new ToolCallPermissionChecked(s_call, ToolPermissionCheckpoint.Dispatch, new ToolPermissionDecision(true, "ToolPermissions", "3")), "type=toolCallPermissionChecked, callId=c1, checkpoint=dispatch, allowed=true, policy=ToolPermissions, revision=3, reason=null", ["type", "callId", "checkpoint", "allowed", "policy", "revision", "reason"]),
            (new ToolCallPermissionChecked(s_call, ToolPermissionCheckpoint.Result, new ToolPermissionDecision(false, "ops", null, "revoked")), "checkpoint=result, allowed=false, revision=null, reason=revoked", ["checkpoint", "allowed", "revision", "reason"]),
            (response, "type=modelStreamEnded, finishReason=tool_calls, error=null", ["type", "finishReason", "error"]),
            (new TurnCompleted([], response), "type=turnCompleted, text=the text", ["type", "text"]),
            (new DiagnosticReported("bad_json", "could not parse"), "type=diagnosticReported, code=bad_json, message=could not parse", ["type", "code", "message"]),
            (new RunCompleted(RunCompletionReason.TurnCancelled, [new ChatMessage(ChatRole.Assistant, "so far")], 1), "type=runCompleted, reason=turnCancelled, finalText=so far", ["type", "reason", "finalText"]),
        ];
        foreach ((ToolPipelineEvent e, string expected, string[] names) in cases)
        {
            JsonElement data = Wire(e);
            Assert.Equal(expected, Fields(data, names));
            Assert.Equal((7, 1, s_at), (data.GetProperty("id").GetInt64(), data.GetProperty("turn").GetInt32(), data.GetProperty("timestamp").GetDateTimeOffset()));
        }
    }

    [Fact]
    public void Map_ToolResultQuarantined_SendsTheRefusalButNeverTheResult()
    {
        var quarantined = new ToolResultQuarantined(s_call, "the secret", new ToolPermissionDecision(false, "ToolPermissions", "4", "revoked by ops"));

        JsonElement data = Wire(quarantined);

        Assert.Equal("type=toolResultQuarantined, callId=c1, name=search, policy=ToolPermissions, revision=4, reason=revoked by ops", Fields(data, "type", "callId", "name", "policy", "revision", "reason"));
        Assert.DoesNotContain("the secret", data.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Map_SubAgentEvent_FlatWithTheCallChainAndTheInnermostEvent_DeltasOfNothingNotSent()
    {
        ToolCall agent = new("p1", "researcher", 0, 1, null, "{\"task\":\"t\"}");
        var nested = new SubAgentEvent(agent, "researcher", new SubAgentEvent(s_call, "search", new ToolCallStarted(new ToolCall("g1", "get", 0, 2, null, "{}")) { Turn = 2 }));

        JsonElement data = Wire(nested);

        Assert.Equal("type=subAgentEvent, callId=p1, agent=researcher, callChain=[\"p1\",\"c1\"]", Fields(data, "type", "callId", "agent", "callChain"));
        JsonElement inner = data.GetProperty("event");
        Assert.Equal("type=toolCallStarted, callId=g1, name=get, turn=2", Fields(inner, "type", "callId", "name", "turn"));
        Assert.Null(ChatEventMapper.Map(new SubAgentEvent(agent, "researcher", new ToolCallsBatched("search", ["c1"])), 0, 10));
    }

    [Fact]
    public void Map_BudgetEvents_SentWithTheirCounts()
    {
        Assert.Equal(
            "type=toolResultTrimmed, callId=c1, name=search, tokensBefore=202801, tokensAfter=3998, budgetTokens=4000, strategy=head-and-tail, scope=tool",
            Fields(Wire(new ToolResultTrimmed(s_call, 202_801, 3_998, 4_000, "head-and-tail", ToolResultTrimScope.Tool)), "type", "callId", "name", "tokensBefore", "tokensAfter", "budgetTokens", "strategy", "scope"));
        Assert.Equal(
            "type=contextWindowFilling, tokens=115000, contextWindowTokens=128000",
            Fields(Wire(new ContextWindowFilling(115_000, 128_000, 0.9)), "type", "tokens", "contextWindowTokens"));
        Assert.Equal(
            "type=contextWindowExceeded, tokens=130000, contextWindowTokens=128000",
            Fields(Wire(new ContextWindowExceeded(130_000, 128_000)), "type", "tokens", "contextWindowTokens"));
    }

    [Fact]
    public void Map_InternalEvents_NotSent()
    {
        Assert.Null(ChatEventMapper.Map(new ToolCallsBatched("search", ["c1"]), 0, 10));
        Assert.Null(ChatEventMapper.Map(new ToolResultDiscarded(s_call, "late"), 0, 10));
        Assert.Null(ChatEventMapper.Map(new ModelUpdateReceived(new ChatResponseUpdate()), 0, 10));
        Assert.Null(ChatEventMapper.Map(new ToolCircuitStateChanged("search", "open"), 0, 10));
    }

    [Fact]
    public void Map_TurnOffsetAndPreviewLength_TurnCountedAcrossTheConversationAndPreviewCutWithoutSplittingAPair()
    {
        Assert.Equal(4, Wire(new TurnStarted([]), turnOffset: 3).GetProperty("turn").GetInt32());
        Assert.Equal("abc", Wire(new ToolCallCompleted(s_call, "abcdef", TimeSpan.Zero), previewLength: 3).GetProperty("resultPreview").GetString());
        Assert.Equal("ab", Wire(new ToolCallCompleted(s_call, "ab\U0001F600", TimeSpan.Zero), previewLength: 3).GetProperty("resultPreview").GetString());
        Assert.Equal(string.Empty, Wire(new ToolCallCompleted(s_call, "abc", TimeSpan.Zero), previewLength: 0).GetProperty("resultPreview").GetString());
        Assert.Equal(JsonValueKind.Null, Wire(new ToolCallCompleted(s_call, null, TimeSpan.Zero)).GetProperty("resultPreview").ValueKind);
    }
}
