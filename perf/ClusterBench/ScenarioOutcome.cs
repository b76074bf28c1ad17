using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Profiling;

namespace ToolFlow.ClusterBench;

/// <summary>
/// What a scenario run produced, as lines to compare across executors: per conversation how it ended and its answer,
/// every message of its history (text, calls with their arguments, results rendered as JSON, so a result that came
/// back from a silo as JSON reads as the local one) and every call's turn and status. No times.
/// </summary>
public static class ScenarioOutcome
{
    // One line per value: the library's options, unindented.
    private static readonly JsonSerializerOptions s_json = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>The run's outcome lines.</summary>
    /// <param name="run">The run.</param>
    /// <returns>The lines, conversation by conversation.</returns>
    public static IReadOnlyList<string> Of(ScenarioRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var lines = new List<string>();
        foreach (RunTimeline conversation in run.Conversations)
        {
            lines.Add(conversation.Completed is { } end
                ? $"{conversation.Name}: {end.Reason} after {end.Turns} turns: {end.FinalText}"
                : $"{conversation.Name}: did not complete");
            foreach (ChatMessage message in conversation.Completed?.Messages ?? [])
            {
                lines.AddRange(message.Contents.Select(c => $"{conversation.Name} {message.Role}: {Render(c)}"));
            }

            lines.AddRange(conversation.Calls.Select(c => $"{conversation.Name} {c.CallId} {c.Name} turn {c.Turn} {(c.CompletedMs is null ? "unfinished" : c.Failed ? "failed" : "completed")}"));
        }

        return lines;
    }

    private static string Render(AIContent content) => content switch
    {
        TextContent text => $"text {text.Text}",
        FunctionCallContent call => $"call {call.CallId} {call.Name} {Json(call.Arguments)}",
        FunctionResultContent result => $"result {result.CallId} {Json(result.Result)}",
        _ => content.GetType().Name,
    };

    private static string Json(object? value) => JsonSerializer.Serialize(value, s_json.GetTypeInfo(typeof(object)));
}
