using System.Text.Json;

namespace ToolFlow.Blocks;

/// <summary>The future placeholder a running call's result holds in futures mode, worded for the model.</summary>
public static class ToolFuture
{
    /// <summary>The name of the tool that waits for a future and returns its value.</summary>
    public const string AwaitToolName = "await_future";

    /// <summary>The placeholder for a call that is still running.</summary>
    /// <param name="call">The call.</param>
    /// <returns>JSON text the model reads as the call's result for now.</returns>
    public static string Placeholder(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        string reference = JsonSerializer.Serialize(new Dictionary<string, string> { ["$future"] = call.CallId });
        return JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["future"] = call.CallId,
            ["status"] = $"'{call.Name}' is still running; its result is not known yet.",
            ["how_to_use"] = $"Pass {reference} as an argument to another tool and it will receive the result when ready, or call {AwaitToolName} with {{\"future\": {reference}}} to wait for it. Do not guess the value.",
        });
    }
}
