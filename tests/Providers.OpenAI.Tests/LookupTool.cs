using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// A read-only <c>lookup(q)</c> tool that counts its runs per query, notes how much of the open response the server
/// had written when each run started, and opens a gate per query the server can wait for.
/// </summary>
public sealed class LookupTool
{
    private readonly ConcurrentDictionary<string, int> _runs = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private readonly ConcurrentDictionary<string, (int Sent, bool Ended)> _serverAtStart = new();

    /// <summary>Initializes the tool.</summary>
    public LookupTool()
    {
        Function = AIFunctionFactory.Create(
            (string q) =>
            {
                if (Response is { } response)
                {
                    _serverAtStart.TryAdd(q, (response.Sent, response.HasEnded));
                }

                OnRun?.Invoke(q);
                _runs.AddOrUpdate(q, 1, static (_, n) => n + 1);
                Started(q).TrySetResult();
                return $"found {q}";
            },
            "lookup",
            "Looks a thing up.");
    }

    /// <summary>The tool.</summary>
    public AIFunction Function { get; }

    /// <summary>The response whose progress each run notes.</summary>
    public SseHttpResponse? Response { get; set; }

    /// <summary>Called as each run starts, with its query.</summary>
    public Action<string>? OnRun { get; set; }

    /// <summary>How many times each query ran.</summary>
    public IReadOnlyDictionary<string, int> Runs => _runs;

    /// <summary>How many steps of <see cref="Response"/> were written, and whether it had ended, when each query started.</summary>
    public IReadOnlyDictionary<string, (int Sent, bool Ended)> ServerAtStart => _serverAtStart;

    /// <summary>Completes when the query's run has started.</summary>
    /// <param name="q">The query.</param>
    /// <returns>The gate.</returns>
    public Task StartedAsync(string q) => Started(q).Task;

    private TaskCompletionSource Started(string q) => _started.GetOrAdd(q, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
