using System.Collections.Concurrent;
using System.ComponentModel;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Testing;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// The tools of the test clusters' workers. The silos run in the test's process, so a test sees what the bodies did
/// through these statics; the tests of one collection run one at a time.
/// </summary>
internal static class WorkerTools
{
    /// <summary>Bodies under way and the most seen at once, by tool and by <c>tool@silo</c>.</summary>
    public static readonly ConcurrentDictionary<string, Counter> Running = new(StringComparer.Ordinal);

    /// <summary>Gates a held body waits on, by tag: a test opens them.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new(StringComparer.Ordinal);

    /// <summary>Set when a held body starts, by tag.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Started = new(StringComparer.Ordinal);

    /// <summary>Set when a held body saw its token fire, by tag.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Cancelled = new(StringComparer.Ordinal);

    /// <summary>Every held body started: <c>{tool} {tag} {idempotency key} {silo}</c>.</summary>
    public static readonly ConcurrentQueue<string> Effects = new();

    /// <summary>Waits (bounded) until <paramref name="count"/> of <paramref name="signals"/> are set.</summary>
    public static async Task WhenCountAsync(Task[] signals, int count)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (signals.Count(t => t.IsCompleted) < count)
        {
            await Task.WhenAny(signals.Where(t => !t.IsCompleted)).WaitAsync(bound.Token);
        }
    }

    /// <summary>
    /// Asks the cap grain until <paramref name="done"/> holds: acquirers and releases reach it over the network
    /// (bounded by the count of asks).
    /// </summary>
    public static async Task<ToolCapSnapshot> CapWhenAsync(IToolCapGrain cap, Func<ToolCapSnapshot, bool> done)
    {
        for (int ask = 0; ; ask++)
        {
            ToolCapSnapshot snapshot = await cap.SnapshotAsync();
            if (done(snapshot) || ask == 10_000)
            {
                return snapshot;
            }

            await Task.Yield();
        }
    }

    public static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string tag) =>
        signals.GetOrAdd(tag, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The tools, as run on <paramref name="silo"/> (the held ones count themselves per silo too).</summary>
    public static AIFunction[] All(string silo) =>
    [
        AIFunctionFactory.Create((string q) => $"echo {q}", "echo"),
        AIFunctionFactory.Create(string (string q) => throw new InvalidOperationException($"no {q}"), "failing"),
        AIFunctionFactory.Create((int n) => n * 2, "twice"),
        AIFunctionFactory.Create((string city) => new Forecast(city, 21.5, ["sun", "wind"]), "forecast"),
        AIFunctionFactory.Create(() => ToolIdempotency.CurrentKey ?? "(none)", "key"),
        AIFunctionFactory.Create(async (int ms, CancellationToken cancellationToken) =>
        {
            await Task.Delay(ms, cancellationToken).ConfigureAwait(false);
            return $"slept {ms}";
        }, "sleep"),
        Held("held", silo),
        Held("held_side_effect", silo),
        Held("held_keyed", silo),
        Held("node_capped", silo),
        Held("cluster_capped", silo),
    ];

    private static AIFunction Held(string tool, string silo) =>
        AIFunctionFactory.Create((string tag, CancellationToken cancellationToken) => HeldAsync(tool, silo, tag, cancellationToken), tool);

    /// <summary>The clock of the shared cluster's workers (their deadlines): a test moves it.</summary>
    public static readonly ManualTimeProvider Clock = new();

    /// <summary>The caps and clock of the shared cluster's workers.</summary>
    public static void Caps(ToolWorkerOptions options)
    {
        options.LimitConcurrency("node_capped", 1).LimitClusterConcurrency("cluster_capped", 2);
        options.TimeProvider = Clock;
    }

    // Counts itself running, says it started, then waits for its gate (bounded) or its token.
    private static async Task<string> HeldAsync(string tool, string silo, string tag, CancellationToken cancellationToken)
    {
        Counter counter = Running.GetOrAdd(tool, _ => new Counter());
        Counter onSilo = Running.GetOrAdd($"{tool}@{silo}", _ => new Counter());
        counter.Enter();
        onSilo.Enter();
        try
        {
            Effects.Enqueue($"{tool} {tag} {ToolIdempotency.CurrentKey ?? "(none)"} {silo}");
            Signal(Started, tag).TrySetResult();
            try
            {
                await Signal(Gates, tag).Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Signal(Cancelled, tag).TrySetResult();
                throw;
            }

            return $"{tool} {tag}";
        }
        finally
        {
            onSilo.Exit();
            counter.Exit();
        }
    }

    [Description("A forecast")]
    public sealed record Forecast(string City, double Celsius, string[] Sky);

    public sealed class Counter
    {
        private int _now;
        private int _most;

        public int Most => Volatile.Read(ref _most);

        public int Now => Volatile.Read(ref _now);

        public void Enter()
        {
            int now = Interlocked.Increment(ref _now);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }
        }

        public void Exit() => Interlocked.Decrement(ref _now);

        public void Reset() => Volatile.Write(ref _most, 0);
    }
}
