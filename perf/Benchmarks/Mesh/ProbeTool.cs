using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// A no-op tool that reads the clock first thing and records, for call <c>n</c> (its argument), how long after its
/// <see cref="ToolFlow.Blocks.ToolCallClosed"/> was posted it started. Signals each time a round of calls has all started.
/// </summary>
internal sealed class ProbeTool : AIFunction
{
    private readonly long[] _posted;
    private readonly long[] _latencies;
    private readonly TaskCompletionSource[] _rounds;
    private readonly int _roundSize;
    private int _started;

    /// <summary>Initializes the probe.</summary>
    /// <param name="total">The number of calls.</param>
    /// <param name="roundSize">The calls in a round; rounds start in call-number order.</param>
    public ProbeTool(int total, int roundSize)
    {
        _posted = new long[total];
        _latencies = new long[total];
        _roundSize = roundSize;
        _rounds = [.. Enumerable.Range(0, total / roundSize).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    }

    /// <inheritdoc/>
    public override string Name => "probe";

    /// <summary>Each call's dispatch latency, in <see cref="Stopwatch"/> ticks.</summary>
    public long[] Latencies => _latencies;

    /// <summary>Records the instant call <paramref name="n"/> is posted; call just before posting it.</summary>
    /// <param name="n">The call number.</param>
    public void Posting(int n) => _posted[n] = Stopwatch.GetTimestamp();

    /// <summary>Completes when every call of round <paramref name="round"/> has started.</summary>
    /// <param name="round">The round, from 0.</param>
    /// <returns>The task.</returns>
    public Task RoundStarted(int round) => _rounds[round].Task;

    /// <inheritdoc/>
    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        long now = Stopwatch.GetTimestamp();
        int n = ((JsonElement)arguments["n"]!).GetInt32();
        _latencies[n] = now - _posted[n];
        int started = Interlocked.Increment(ref _started);
        if (started % _roundSize == 0)
        {
            _rounds[(started / _roundSize) - 1].TrySetResult();
        }

        return new ValueTask<object?>(n);
    }
}
