using System.Diagnostics;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.ClusterBench;

/// <summary>
/// Calls a tool through one conversation's <see cref="ToolExecutionBlock"/> in a closed loop: <c>concurrency</c> calls in
/// flight, a new one closed the moment one ends, until <c>calls</c> have ended. The same block for every executor, so
/// local and remote differ only by where the tool's body runs.
/// </summary>
public static class HopBench
{
    /// <summary>Measures one executor at one concurrency.</summary>
    /// <param name="executor">The executor's label in the result.</param>
    /// <param name="tool">The tool, local or remote.</param>
    /// <param name="concurrency">Calls in flight, at least 1.</param>
    /// <param name="calls">Calls to run, at least 1.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>Latency percentiles and throughput.</returns>
    public static async Task<HopResult> MeasureAsync(string executor, AIFunction tool, int concurrency, int calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(calls, 1);
        var options = new ToolExecutionBlockOptions
        {
            MaxConcurrency = DataflowBlockOptions.Unbounded,
            DeduplicateCalls = false,
            Executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = DataflowBlockOptions.Unbounded }),
        };
        var block = new ToolExecutionBlock([new ToolDescriptor(tool, ToolEffects.ReadOnly)], options);
        ToolCall[] all = [.. Enumerable.Range(0, calls).Select(i => new ToolCall($"call_1_{i}", tool.Name, i, 1, new Dictionary<string, object?>(), "{}"))];
        long[] posted = new long[calls];
        double[] latencies = new double[calls];
        int next = 0, ended = 0, failed = 0;
        var gate = new Lock();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Closes the next call; under a lock so calls close in index order whoever closes them.
        void CloseNext()
        {
            lock (gate)
            {
                if (next < calls)
                {
                    posted[next] = Stopwatch.GetTimestamp();
                    block.Post(new ToolCallClosed(all[next++]) { Turn = 1 });
                }
            }
        }

        var sink = new ActionBlock<ToolPipelineEvent>(e =>
        {
            if (e is ToolCallCompleted or ToolCallFailed)
            {
                ToolCall call = e is ToolCallCompleted c ? c.Call : ((ToolCallFailed)e).Call;
                latencies[call.Index] = Stopwatch.GetElapsedTime(posted[call.Index]).TotalMilliseconds;
                failed += e is ToolCallFailed ? 1 : 0;
                if (++ended == calls)
                {
                    done.TrySetResult();
                }

                CloseNext();
            }
        });
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < concurrency; i++)
        {
            CloseNext();
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), all, ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        block.Complete();
        await sink.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        Array.Sort(latencies);
        return new HopResult(executor, concurrency, calls, failed, Percentile(latencies, 0.50), Percentile(latencies, 0.99), calls / seconds);
    }

    /// <summary>
    /// One result for several rounds of the same executor and concurrency: the median of each figure, the failures and
    /// the calls per silo summed.
    /// </summary>
    /// <param name="rounds">The rounds' results, all of one executor at one concurrency.</param>
    /// <returns>The summary.</returns>
    public static HopResult Median(IEnumerable<HopResult> rounds)
    {
        HopResult[] all = [.. rounds];
        ArgumentOutOfRangeException.ThrowIfZero(all.Length, nameof(rounds));
        return all[0] with
        {
            Failed = all.Sum(h => h.Failed),
            P50Ms = MedianOf([.. all.Select(h => h.P50Ms)]),
            P99Ms = MedianOf([.. all.Select(h => h.P99Ms)]),
            CallsPerSecond = MedianOf([.. all.Select(h => h.CallsPerSecond)]),
            CallsPerSilo = [.. all[0].CallsPerSilo.Select((_, i) => all.Sum(h => h.CallsPerSilo[i]))],
        };
    }

    /// <summary>The median of some values (the mean of the middle two for an even count).</summary>
    /// <param name="values">At least one value.</param>
    /// <returns>The median.</returns>
    public static double MedianOf(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count, nameof(values));
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    // Nearest rank on sorted values.
    internal static double Percentile(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
