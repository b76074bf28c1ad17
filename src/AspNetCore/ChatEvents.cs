using System.Text.Json;
using System.Text.Json.Serialization;

namespace ToolFlow.AspNetCore;

// The wire DTOs of the SSE stream: the pipeline's events hold ToolCall, Exception and AIContent, which are mapped
// to these plain records rather than serialized raw. "type" is the discriminator, written first.
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(UserMessageEvent), "userMessage")]
[JsonDerivedType(typeof(TurnStartedEvent), "turnStarted")]
[JsonDerivedType(typeof(TextDeltaEvent), "textDelta")]
[JsonDerivedType(typeof(ReasoningDeltaEvent), "reasoningDelta")]
[JsonDerivedType(typeof(ToolCallDetectedEvent), "toolCallDetected")]
[JsonDerivedType(typeof(ToolArgumentsDeltaEvent), "toolArgumentsDelta")]
[JsonDerivedType(typeof(ToolCallClosedEvent), "toolCallClosed")]
[JsonDerivedType(typeof(ToolCallWaitingEvent), "toolCallWaiting")]
[JsonDerivedType(typeof(ToolCallApprovalRequestedEvent), "toolCallApprovalRequested")]
[JsonDerivedType(typeof(ToolCallStartedEvent), "toolCallStarted")]
[JsonDerivedType(typeof(ToolCallProgressedEvent), "toolCallProgressed")]
[JsonDerivedType(typeof(ToolCallRetryingEvent), "toolCallRetrying")]
[JsonDerivedType(typeof(ToolCallCompletedEvent), "toolCallCompleted")]
[JsonDerivedType(typeof(ToolCallFailedEvent), "toolCallFailed")]
[JsonDerivedType(typeof(ToolCallPermissionCheckedEvent), "toolCallPermissionChecked")]
[JsonDerivedType(typeof(ToolResultQuarantinedEvent), "toolResultQuarantined")]
[JsonDerivedType(typeof(ModelStreamEndedEvent), "modelStreamEnded")]
[JsonDerivedType(typeof(TurnCompletedEvent), "turnCompleted")]
[JsonDerivedType(typeof(DiagnosticReportedEvent), "diagnosticReported")]
[JsonDerivedType(typeof(RunCompletedEvent), "runCompleted")]
[JsonDerivedType(typeof(LaggedEvent), "lagged")]
[JsonDerivedType(typeof(SubAgentActivityEvent), "subAgentEvent")]

[JsonDerivedType(typeof(ToolResultTrimmedEvent), "toolResultTrimmed")]
[JsonDerivedType(typeof(ContextWindowFillingEvent), "contextWindowFilling")]
[JsonDerivedType(typeof(ContextWindowExceededEvent), "contextWindowExceeded")]
internal abstract record ChatEvent
{
    public long Id { get; init; }

    public int Turn { get; init; }

    public DateTimeOffset Timestamp { get; init; }
}

internal sealed record UserMessageEvent(string Text) : ChatEvent;

internal sealed record TurnStartedEvent : ChatEvent;

internal sealed record TextDeltaEvent(string Text) : ChatEvent;

internal sealed record ReasoningDeltaEvent(string Text) : ChatEvent;

internal sealed record ToolCallDetectedEvent(string CallId, string Name, int Index) : ChatEvent;

internal sealed record ToolArgumentsDeltaEvent(string CallId, int Index, string Fragment) : ChatEvent;

internal sealed record ToolCallClosedEvent(string CallId, string Name, int Index, JsonElement Arguments, [property: JsonIgnore] string ArgumentsText) : ChatEvent;

internal sealed record ToolCallWaitingEvent(string CallId, string Reason, string? Detail, IReadOnlyList<string> DependsOn) : ChatEvent;

internal sealed record ToolCallApprovalRequestedEvent(string CallId, string Name, JsonElement Arguments) : ChatEvent;

internal sealed record ToolCallStartedEvent(string CallId, string Name) : ChatEvent;

internal sealed record ToolCallProgressedEvent(string CallId, double? Progress, double? Total, string? Message) : ChatEvent;

internal sealed record ToolCallRetryingEvent(string CallId, int Attempt, double DelayMs, string? Error) : ChatEvent;

internal sealed record ToolCallCompletedEvent(string CallId, string Name, double DurationMs, string? ResultPreview) : ChatEvent;

internal sealed record ToolCallFailedEvent(string CallId, string Name, string Kind, string Error, double? DurationMs) : ChatEvent;

internal sealed record ToolCallPermissionCheckedEvent(string CallId, string Checkpoint, bool Allowed, string Policy, string? Revision, string? Reason) : ChatEvent;

// The result itself never goes on the wire: it was withheld.
internal sealed record ToolResultQuarantinedEvent(string CallId, string Name, string Policy, string? Revision, string? Reason) : ChatEvent;

internal sealed record ModelStreamEndedEvent(string? FinishReason, string? Error) : ChatEvent;

internal sealed record TurnCompletedEvent(string Text) : ChatEvent;

internal sealed record DiagnosticReportedEvent(string Code, string Message) : ChatEvent;

internal sealed record RunCompletedEvent(string Reason, string FinalText) : ChatEvent;

internal sealed record LaggedEvent(long Skipped) : ChatEvent;

// A sub-agent's event under a parent call: CallChain holds the parent call ids, outermost first (CallId is the first).
internal sealed record SubAgentActivityEvent(string CallId, string Agent, IReadOnlyList<string> CallChain, ChatEvent Event) : ChatEvent;

internal sealed record ToolResultTrimmedEvent(string CallId, string Name, int TokensBefore, int TokensAfter, int BudgetTokens, string Strategy, string Scope) : ChatEvent;

internal sealed record ContextWindowFillingEvent(int Tokens, int ContextWindowTokens) : ChatEvent;

internal sealed record ContextWindowExceededEvent(int Tokens, int ContextWindowTokens) : ChatEvent;
