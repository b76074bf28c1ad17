using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>Maps the pipeline's events to wire DTOs; internal events (model updates, batching, ...) map to nothing.</summary>
internal static class ChatEventMapper
{
    /// <summary>The wire event for <paramref name="e"/>, its turn counted across the conversation, or <see langword="null"/>.</summary>
    public static ChatEvent? Map(ToolPipelineEvent e, int turnOffset, int resultPreviewLength)
    {
        ChatEvent? wire = e switch
        {
            TurnStarted => new TurnStartedEvent(),
            TextDelta d => new TextDeltaEvent(d.Text),
            ReasoningDelta d => new ReasoningDeltaEvent(d.Text),
            ToolCallDetected d => new ToolCallDetectedEvent(d.CallId, d.Name, d.Index),
            ToolArgumentsDelta d => new ToolArgumentsDeltaEvent(d.CallId, d.Index, d.Fragment),
            ToolCallClosed c => new ToolCallClosedEvent(c.Call.CallId, c.Call.Name, c.Call.Index, ArgumentsOf(c.Call), c.Call.ArgumentsJson),
            ToolCallWaiting w => new ToolCallWaitingEvent(w.Call.CallId, Camel(w.Reason.ToString()), w.Detail, DependsOn(w)),
            ToolCallApprovalRequested a => new ToolCallApprovalRequestedEvent(a.Call.CallId, a.Call.Name, ArgumentsOf(a.Call)),
            ToolCallStarted s => new ToolCallStartedEvent(s.Call.CallId, s.Call.Name),
            ToolCallProgressed p => new ToolCallProgressedEvent(p.Call.CallId, p.Progress, p.Total, p.Message),
            ToolCallRetrying r => new ToolCallRetryingEvent(r.Call.CallId, r.Attempt, r.Delay.TotalMilliseconds, r.Error?.Message),
            ToolCallCompleted c => new ToolCallCompletedEvent(c.Call.CallId, c.Call.Name, c.Duration.TotalMilliseconds, Preview(c.Result, resultPreviewLength)),
            ToolCallFailed f => new ToolCallFailedEvent(f.Call.CallId, f.Call.Name, Camel(f.Kind.ToString()), f.Message, f.Duration?.TotalMilliseconds),
            ToolCallPermissionChecked p => new ToolCallPermissionCheckedEvent(p.Call.CallId, Camel(p.Checkpoint.ToString()), p.Decision.Allowed, p.Decision.Policy, p.Decision.Revision, p.Decision.Reason),
            ToolResultQuarantined q => new ToolResultQuarantinedEvent(q.Call.CallId, q.Call.Name, q.Decision.Policy, q.Decision.Revision, q.Decision.Reason),
            // The model's stream ends inside the mesh; what reaches the run is the response it made.
            ResponseCompleted r => new ModelStreamEndedEvent(r.FinishReason?.Value, r.Error?.Message),
            TurnCompleted t => new TurnCompletedEvent(t.Response.Message.Text),
            DiagnosticReported d => new DiagnosticReportedEvent(d.Code, d.Message),
            RunCompleted r => new RunCompletedEvent(Camel(r.Reason.ToString()), r.FinalText),
            SubAgentEvent s => MapSubAgent(s, resultPreviewLength),

            ToolResultTrimmed t => new ToolResultTrimmedEvent(t.Call.CallId, t.Call.Name, t.TokensBefore, t.TokensAfter, t.BudgetTokens, t.Strategy, Camel(t.Scope.ToString())),
            ContextWindowFilling f => new ContextWindowFillingEvent(f.Tokens, f.ContextWindowTokens),
            ContextWindowExceeded x => new ContextWindowExceededEvent(x.Tokens, x.ContextWindowTokens),
            _ => null,
        };
        return wire is null ? null : wire with { Turn = turnOffset + Math.Max(1, e.Turn), Timestamp = e.Timestamp };
    }

    // A sub-agent's event goes flat: the chain of parent calls, and the innermost event as its own wire event (its
    // turn the child's own); one that maps to nothing is not sent.
    private static SubAgentActivityEvent? MapSubAgent(SubAgentEvent sub, int resultPreviewLength) =>
        Map(sub.Innermost, 0, resultPreviewLength) is { } inner
            ? new SubAgentActivityEvent(sub.ParentCall.CallId, sub.Agent, [.. sub.CallChain.Select(c => c.CallId)], inner)
            : null;

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="length"/> characters without splitting a surrogate pair.</summary>
    public static string Truncate(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        int end = length > 0 && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..end];
    }

    internal static string Camel(string name) => name.Length == 0 ? name : string.Concat(char.ToLowerInvariant(name[0]).ToString(), name.AsSpan(1));

    private static IReadOnlyList<string> DependsOn(ToolCallWaiting waiting) =>
        waiting.Reason == ToolCallWaitReason.Dependencies && !string.IsNullOrEmpty(waiting.Detail)
            ? waiting.Detail.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    // Arguments as JSON; text that is not JSON (the model's mistake) goes as a JSON string.
    private static JsonElement ArgumentsOf(ToolCall call)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(call.ArgumentsJson);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(call.ArgumentsJson, ChatJsonContext.Default.String);
        }
    }

    private static string? Preview(object? result, int length)
    {
        string? text = result switch
        {
            null => null,
            string s => s,
            JsonElement j => j.ValueKind == JsonValueKind.String ? j.GetString() : j.GetRawText(),
            _ => Serialize(result),
        };
        return text is null ? null : Truncate(text, length);
    }

    private static string Serialize(object result)
    {
        try
        {
            return JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType()));
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            // A result the serializer cannot write is shown as the tool's own text for it.
            return result.ToString() ?? string.Empty;
        }
    }
}
