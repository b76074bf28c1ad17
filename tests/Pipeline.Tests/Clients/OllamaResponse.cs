using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ToolFlow.WireTesting;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// A streamed <c>/api/chat</c> answer as Ollama writes it: HTTP 200, <c>application/x-ndjson</c>, one JSON object per
/// line, each flushed at once. A wait holds the rest of the body until a task completes.
/// </summary>
public sealed class OllamaResponse : ScriptedHttpResponse
{
    private readonly List<(string? Line, Task? Gate)> _steps = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the request body once the server has it.</summary>
    /// <remarks>The Ollama tests read only the body, so this hides the recorded request of the base.</remarks>
    public new Task<JsonElement> Received => ReceivedBodyAsync();

    /// <summary>Whether the whole body is sent, or the response is otherwise over.</summary>
    public bool HasEnded => _ended.Task.IsCompleted;

    /// <summary>A chunk of assistant text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>This response.</returns>
    public OllamaResponse Text(string text) =>
        Line($$$"""{"model":"llama-test","created_at":"2026-12-06T15:00:00Z","message":{"role":"assistant","content":{{{JsonSerializer.Serialize(text)}}}},"done":false}""");

    /// <summary>A chunk with whole tool calls in <c>message.tool_calls</c>, as Ollama streams them.</summary>
    /// <param name="calls">Each call's id, name and arguments object.</param>
    /// <returns>This response.</returns>
    public OllamaResponse Calls(params (string Id, string Name, string Arguments)[] calls)
    {
        string toolCalls = string.Join(",", calls.Select((c, i) => $$$"""{"id":"{{{c.Id}}}","function":{"index":{{{i}}},"name":"{{{c.Name}}}","arguments":{{{c.Arguments}}}}}"""));
        return Line($$$"""{"model":"llama-test","created_at":"2026-12-06T15:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{{{toolCalls}}}]},"done":false}""");
    }

    /// <summary>The final chunk: <c>done: true</c> with the reason and the counts.</summary>
    /// <param name="reason">The <c>done_reason</c>.</param>
    /// <returns>This response.</returns>
    public OllamaResponse Done(string reason = "stop") =>
        Line($$$"""{"model":"llama-test","created_at":"2026-12-06T15:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"{{{reason}}}","total_duration":1000,"load_duration":10,"prompt_eval_count":26,"prompt_eval_duration":100,"eval_count":40,"eval_duration":800}""");

    /// <summary>A line written as it is.</summary>
    /// <param name="json">The line, without its newline.</param>
    /// <returns>This response.</returns>
    public OllamaResponse Line(string json)
    {
        _steps.Add((json, null));
        return this;
    }

    /// <summary>Holds the rest of the body until <paramref name="gate"/> completes.</summary>
    /// <param name="gate">What to wait for.</param>
    /// <returns>This response.</returns>
    public OllamaResponse WaitFor(Task gate)
    {
        _steps.Add((null, gate));
        return this;
    }

    /// <inheritdoc/>
    protected override async Task WriteCoreAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.StartAsync(cancellationToken);
        foreach ((string? line, Task? gate) in _steps)
        {
            if (gate is not null)
            {
                await gate.WaitAsync(cancellationToken);
                continue;
            }

            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }

        await context.Response.CompleteAsync();
    }

    /// <inheritdoc/>
    protected override void OnEnded() => _ended.TrySetResult();

    private async Task<JsonElement> ReceivedBodyAsync() => (await base.Received).Body;
}
