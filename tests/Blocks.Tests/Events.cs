using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;

namespace ToolFlow.Blocks.Tests;

/// <summary>Builds the events and calls tests feed to blocks, and describes the events blocks offer.</summary>
internal static class Events
{
    /// <summary>A complete call whose arguments are <paramref name="json"/>, read the way the parser reads them.</summary>
    public static ToolCall Call(int index, string name, string json, int turn = 1)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        return new ToolCall($"call_{turn}_{index}", name, index, turn, arguments, json);
    }

    /// <summary>The model's update carrying <paramref name="contents"/>.</summary>
    public static ModelUpdateReceived Update(params AIContent[] contents) => new(new ChatResponseUpdate(ChatRole.Assistant, contents)) { Turn = 1 };

    /// <summary>A short, stable description of an event for whole-timeline assertions.</summary>
    public static string Describe(ToolPipelineEvent e) => e switch
    {
        TurnStarted => "turn started",
        ModelUpdateReceived u => $"update '{u.Update.Text}'",
        ModelStreamEnded s => $"stream ended {s.FinishReason?.Value ?? "-"}{(s.Error is null ? string.Empty : $" error {s.Error.Message}")}",
        TextDelta t => $"text '{t.Text}'",
        ReasoningDelta r => $"reasoning '{r.Text}'",
        ToolCallDetected d => $"detected {d.CallId} {d.Name} #{d.Index}",
        ToolArgumentsDelta a => $"args {a.CallId} '{a.Fragment}'",
        ToolCallClosed c => $"closed {c.Call.CallId} {c.Call.Name} {c.Call.ArgumentsJson}{(c.Call.ArgumentsError is null ? string.Empty : " invalid")}",
        ToolCallStarted s => $"started {s.Call.CallId}",
        ToolCallCompleted c => $"completed {c.Call.CallId} {JsonSerializer.Serialize(c.Result, AIJsonUtilities.DefaultOptions)}",
        ToolCallFailed f => $"failed {f.Call.CallId} {f.Kind}",
        DiagnosticReported d => $"diagnostic {d.Code}",
        ToolCallPermissionChecked p => $"permission {p.Call.CallId} {p.Checkpoint} {(p.Decision.Allowed ? "allowed" : "denied")} r{p.Decision.Revision ?? "-"}",
        ToolResultQuarantined q => $"quarantined {q.Call.CallId} {JsonSerializer.Serialize(q.Result, AIJsonUtilities.DefaultOptions)}",
        ResponseCompleted r => $"response {r.FinishReason?.Value ?? "-"} calls {string.Join(",", r.Calls.Select(c => c.CallId))}",
        TurnCompleted t => $"turn completed {t.Turn}",
        ToolResultTrimmed t => $"trimmed {t.Call.CallId} {t.TokensBefore}->{t.TokensAfter}/{t.BudgetTokens} {t.Strategy} {t.Scope}",
        FutureResolved f => $"future resolved {f.Call.CallId}",
        _ => e.GetType().Name,
    };

    /// <summary>When an event was stamped, in milliseconds since the clock started.</summary>
    public static double Ms(this ToolPipelineEvent e, ManualTimeProvider clock) => (e.Timestamp - clock.Epoch).TotalMilliseconds;

    /// <summary>The timeline of events: (milliseconds, description).</summary>
    public static List<(double Ms, string What)> Timeline(this IEnumerable<ToolPipelineEvent> events, ManualTimeProvider clock) =>
        [.. events.Select(e => (e.Ms(clock), Describe(e)))];

    /// <summary>A sink on the scheduler that records every event it is offered.</summary>
    public static ActionBlock<ToolPipelineEvent> Sink(List<ToolPipelineEvent> events, TaskScheduler scheduler) =>
        new(events.Add, new ExecutionDataflowBlockOptions { TaskScheduler = scheduler });
}
