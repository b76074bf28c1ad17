using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace ToolFlow.Blocks.Tests;

/// <summary>Runs the soak alone, after the parallel tests, so the heap it measures is its own.</summary>
[CollectionDefinition(nameof(SoakTests), DisableParallelization = true)]
public sealed class SoakCollection;

/// <summary>
/// The mesh under load, in real time: 100,000 calls in 4 waves of 1,000 concurrent conversations, each its own
/// <see cref="ToolExecutionBlock"/>, all on one <see cref="ToolExecutor"/> with a global cap. Every choice (tool, latency
/// of 0 to 3 ms, failures, dependencies, which calls are cancelled and how) comes from a seeded plan, so a failing run
/// can be replayed with <c>TOOLFLOW_SOAK_SEED</c>; only the interleaving is left to the machine, and the assertions
/// hold for every interleaving. Nothing waits on a sleep: cancellations of running calls wait for the tool to start,
/// and the only timer outside the tools is the guard that fails the test if the mesh hangs.
/// </summary>
/// <remarks>
/// Each conversation opens a fresh block per wave (a block holds its run's calls for the run's lifetime), so the
/// memory measured after the first and the last wave is what the shared executor, the blocks' shared state and the
/// runtime keep between runs.
/// </remarks>
[Collection(nameof(SoakTests))]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20_251_104;
    private const int Conversations = 1_000;
    // 4 waves (100,000 calls) in the test suite; perf/soak.sh sets TOOLFLOW_SOAK_WAVES=40 for 1,000,000.
    private static readonly int Waves = Environment.GetEnvironmentVariable("TOOLFLOW_SOAK_WAVES") is { } waves ? int.Parse(waves, CultureInfo.InvariantCulture) : 4;
    private const int CallsPerConversation = 25;
    private static readonly int TotalCalls = Conversations * Waves * CallsPerConversation;
    private const int GlobalCap = 128;
    private const int ConversationCap = 4;
    private const int WriteCap = 16;
    private const int RetryAttempts = 2;
    private const long MemorySlackBytes = 8L << 20;
    // A hang guard, not a speed check: far beyond the soak's time on a loaded two-core machine running other suites.
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(Math.Max(300, Waves * 75));

    // Outcomes: 0 none yet, 1 completed, 2 + (int)ToolCallFailureKind for a failure.
    private const byte Completed = 1;

    private static byte Failed(ToolCallFailureKind kind) => (byte)(2 + (int)kind);

    private static string Describe(byte outcome) => outcome switch
    {
        0 => "no outcome",
        Completed => "Completed",
        _ => ((ToolCallFailureKind)(outcome - 2)).ToString(),
    };

    [Fact]
    public async Task Soak_100kCallsAcross1000ConversationsOnOneExecutor_EachCallEndsOnceResultsLandMemoryIsFlat()
    {
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        string? seedText = Environment.GetEnvironmentVariable("TOOLFLOW_SOAK_SEED");
        int seed = seedText is null ? DefaultSeed : int.Parse(seedText, CultureInfo.InvariantCulture);
        var plan = new Plan(seed);
        var run = new Run(plan);
        using var guard = new CancellationTokenSource();
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = GlobalCap });
        ToolDescriptor[] tools = run.Tools();
        long[] memory = new long[Waves];
        TimeSpan[] waveTimes = new TimeSpan[Waves];
        var stopwatch = Stopwatch.StartNew();

        Task work = Task.Run(async () =>
        {
            for (int wave = 0; wave < Waves; wave++)
            {
                var tasks = new Task[Conversations];
                for (int conversation = 0; conversation < Conversations; conversation++)
                {
                    tasks[conversation] = run.ConversationAsync(executor, tools, wave, conversation, guard.Token);
                }

                await Task.WhenAll(tasks).ConfigureAwait(false);
                run.EndWave(wave);
                waveTimes[wave] = stopwatch.Elapsed;
                Assert.Equal(0, executor.Queued);
                memory[wave] = GC.GetTotalMemory(forceFullCollection: true);
            }
        });

        // The guard: a hung mesh (a lost call, a leaked slot, a deadlock) fails here instead of hanging the run.
        if (await Task.WhenAny(work, Task.Delay(s_guard)) != work)
        {
            guard.Cancel();
            Assert.Fail($"The soak did not finish within {s_guard.TotalSeconds} s: {run.WithoutOutcome()} calls have no outcome; the executor has {executor.Running} running, {executor.Queued} queued. Seed {seed}. Violations so far:{Environment.NewLine}{run.ViolationsSoFar()}");
        }

        await work;
        stopwatch.Stop();

        Report report = run.Verify();
        using var process = Process.GetCurrentProcess();
        output.WriteLine($"Throughput {TotalCalls / stopwatch.Elapsed.TotalSeconds:N0} calls/s; peak working set {process.PeakWorkingSet64 / 1024.0 / 1024.0:F1} MB; GC collections gen0 {GC.CollectionCount(0) - collections[0]:N0}, gen1 {GC.CollectionCount(1) - collections[1]:N0}, gen2 {GC.CollectionCount(2) - collections[2]:N0} (server GC {System.Runtime.GCSettings.IsServerGC}).");
        output.WriteLine($"Calls with exactly one outcome: {TotalCalls - run.NotEndedOnce():N0} of {TotalCalls:N0}; executor overruns {executor.TotalOverruns:N0}.");
        output.WriteLine($"Seed {seed}: {TotalCalls:N0} calls, {Conversations:N0} concurrent conversations x {Waves} waves x {CallsPerConversation} calls, global cap {GlobalCap}, conversation cap {ConversationCap}.");
        output.WriteLine($"Duration {stopwatch.Elapsed.TotalSeconds:F2} s (waves ended at {string.Join(", ", waveTimes.Select(t => $"{t.TotalSeconds:F2} s"))}).");
        output.WriteLine($"Memory after each wave (GC.GetTotalMemory, full collection): {string.Join(", ", memory.Select(m => $"{m / 1024.0 / 1024.0:F2} MB"))}.");
        output.WriteLine($"Outcomes: {string.Join(", ", report.Outcomes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:N0}"))}.");
        output.WriteLine($"Retries {report.Retries:N0}, stale results {report.Discarded:N0}, cancellations {report.CancelOperations:N0} ({report.CancelsThatCancelled:N0} cancelled something), dependent calls {report.Dependents:N0}.");
        foreach (string violation in report.Violations)
        {
            output.WriteLine(violation);
        }

        Assert.True(report.ViolationCount == 0, $"{report.ViolationCount} violations (seed {seed}); the first:{Environment.NewLine}{string.Join(Environment.NewLine, report.Violations)}");

        // Flat: after the last wave the heap holds no more than after the first, within 20% or 8 MB (whichever is
        // larger) for what the runtime may keep growing between full collections (thread-pool threads, timer queues,
        // pooled buffers, a token's registration free list). With a first wave near 10 MB the bound is 8 MB: anything
        // the mesh keeps per call beyond about 110 bytes (8 MB over the 75,000 calls of waves 2 to 4) fails here.
        long bound = Math.Max(memory[0] + (memory[0] / 5), memory[0] + MemorySlackBytes);
        Assert.True(memory[^1] <= bound, $"Memory grew from {memory[0]:N0} bytes after the first wave to {memory[^1]:N0} after the last (bound {bound:N0}).");
    }

    private enum Kind : byte
    {
        /// <summary>Read-only; returns its value after its latency.</summary>
        Ok,

        /// <summary>Side-effecting (waits for the response end; discarded on a length finish); per-tool cap.</summary>
        Write,

        /// <summary>Read-only; throws after its latency.</summary>
        Fail,

        /// <summary>Idempotent with retries; its first <c>fail</c> attempts throw.</summary>
        Flaky,

        /// <summary>Read-only with a timeout; never answers.</summary>
        Hang,

        /// <summary>Idempotent with a timeout and retries; never answers.</summary>
        HangRetry,

        /// <summary>
        /// Read-only; runs until cancelled, honouring its token: with <c>fail</c> 0 through <c>Task.Delay</c>, with
        /// <c>fail</c> 1 through a token registration that ends the tool on the cancelling thread. Cancelled from
        /// outside once it has started.
        /// </summary>
        AwaitCancel,

        /// <summary>Read-only; ignores its token and answers once cancelled: its result is stale.</summary>
        Stubborn,
    }

    private enum CancelOp : byte
    {
        None,
        Call,
        Branch,
    }

    /// <summary>The seeded plan: every call's tool, arguments, dependency and cancellation, and its expected value.</summary>
    private sealed class Plan
    {
        public Plan(int seed)
        {
            Seed = seed;
            for (int run = 0; run < Waves * Conversations; run++)
            {
                var random = new Random(HashCode.Combine(seed, run));
                LengthFinish[run] = random.Next(10) == 0;
                int first = run * CallsPerConversation;
                for (int i = 0; i < CallsPerConversation; i++)
                {
                    int id = first + i;
                    int roll = random.Next(100);
                    Kind kind = roll switch
                    {
                        < 50 => Kind.Ok,
                        < 60 => Kind.Write,
                        < 66 => Kind.Fail,
                        < 78 => Kind.Flaky,
                        < 83 => Kind.Hang,
                        < 86 => Kind.HangRetry,
                        < 90 => Kind.AwaitCancel,
                        < 93 => Kind.Stubborn,
                        _ => Kind.Ok,
                    };
                    Kinds[id] = kind;
                    X[id] = (byte)random.Next(100);
                    Latency[id] = (byte)random.Next(4);
                    Failures[id] = kind switch
                    {
                        Kind.Flaky => (byte)random.Next(RetryAttempts + 2),
                        Kind.AwaitCancel => (byte)random.Next(2),
                        _ => 0,
                    };
                    Dependency[id] = -1;
                    YieldAfter[id] = random.Next(10) == 0;

                    // The calls cancelled from outside are roots: those that wait to have started, and some plain
                    // calls cancelled a few posts after they close, wherever they are by then.
                    if (kind is Kind.AwaitCancel or Kind.Stubborn || roll >= 93)
                    {
                        Ops[id] = random.Next(2) == 0 ? CancelOp.Call : CancelOp.Branch;
                        CancelAfterPosts[id] = (byte)random.Next(6);
                    }
                    else if (i > 0 && random.Next(10) < 3)
                    {
                        Dependency[id] = first + random.Next(i);
                    }

                    long dependencyValue = Dependency[id] >= 0 ? Expected[Dependency[id]] : 0;
                    Expected[id] = Value(id, X[id], dependencyValue);
                }
            }
        }

        public int Seed { get; }

        public Kind[] Kinds { get; } = new Kind[TotalCalls];

        public byte[] X { get; } = new byte[TotalCalls];

        public byte[] Latency { get; } = new byte[TotalCalls];

        public byte[] Failures { get; } = new byte[TotalCalls];

        public int[] Dependency { get; } = new int[TotalCalls];

        public CancelOp[] Ops { get; } = new CancelOp[TotalCalls];

        public byte[] CancelAfterPosts { get; } = new byte[TotalCalls];

        public bool[] YieldAfter { get; } = new bool[TotalCalls];

        public long[] Expected { get; } = new long[TotalCalls];

        public bool[] LengthFinish { get; } = new bool[Waves * Conversations];

        /// <summary>What a call returns: its id, its <c>x</c> and its dependency's value, so a misrouted result shows.</summary>
        public static long Value(int id, int x, long dependency) => (dependency % 1_000_000_007L * 31) + (id * 1_000L) + x;

        public ToolCall Call(int id)
        {
            int local = id % CallsPerConversation;
            string name = Kinds[id] switch
            {
                Kind.Ok => "ok",
                Kind.Write => "write",
                Kind.Fail => "fail",
                Kind.Flaky => "flaky",
                Kind.Hang => "hang",
                Kind.HangRetry => "hang_retry",
                Kind.AwaitCancel => "await_cancel",
                _ => "stubborn",
            };
            int dependency = Dependency[id];
            string reference = dependency < 0 ? string.Empty
                : dependency % 2 == 0 ? $$""", "dep": "${{dependency % CallsPerConversation + 1}}" """
                : $$""", "dep": "${{{dependency % CallsPerConversation + 1}}}" """;
            string json = $$"""{"id": {{id}}, "x": {{X[id]}}, "ms": {{Latency[id]}}, "fail": {{Failures[id]}}{{reference}}}""";
            return Events.Call(local, name, json) with { CallId = Id(id), Label = (local + 1).ToString(CultureInfo.InvariantCulture) };
        }

        public static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

        /// <summary>The outcome a call has when nobody cancels it, given what its dependency did.</summary>
        public byte Normal(int id, byte[] outcomes)
        {
            int dependency = Dependency[id];
            if (dependency >= 0 && outcomes[dependency] != Completed)
            {
                return outcomes[dependency] == Failed(ToolCallFailureKind.Cancelled) ? Failed(ToolCallFailureKind.Cancelled) : Failed(ToolCallFailureKind.DependencyFailed);
            }

            return Kinds[id] switch
            {
                Kind.Ok => Completed,
                Kind.Write => LengthFinish[id / CallsPerConversation] ? Failed(ToolCallFailureKind.Discarded) : Completed,
                Kind.Fail => Failed(ToolCallFailureKind.ToolException),
                Kind.Flaky => Failures[id] <= RetryAttempts ? Completed : Failed(ToolCallFailureKind.ToolException),
                Kind.Hang or Kind.HangRetry => Failed(ToolCallFailureKind.TimedOut),

                // Never ends by itself.
                _ => 0,
            };
        }
    }

    private sealed record Report(
        IReadOnlyDictionary<string, int> Outcomes,
        long Retries,
        long Discarded,
        int CancelOperations,
        int CancelsThatCancelled,
        int Dependents,
        int ViolationCount,
        IReadOnlyList<string> Violations);

    /// <summary>One soak: drives the conversations and records, per call, what the blocks reported.</summary>
    private sealed class Run(Plan plan)
    {
        private const int MaxReported = 25;

        // Preallocated, so the bookkeeping does not grow between the memory measurements.
        private readonly int[] _terminals = new int[TotalCalls];
        private readonly byte[] _outcomes = new byte[TotalCalls];
        private readonly int[] _started = new int[TotalCalls];
        private long _progressed;
        private readonly int[] _retries = new int[TotalCalls];
        private readonly int[] _discarded = new int[TotalCalls];
        private readonly int[] _attempts = new int[TotalCalls];
        private readonly int[] _cancelResults = Enumerable.Repeat(-1, TotalCalls).ToArray();
        private readonly TaskCompletionSource?[] _toolStarted = new TaskCompletionSource?[TotalCalls];
        private readonly TaskCompletionSource?[] _release = new TaskCompletionSource?[TotalCalls];
        private readonly ConcurrentQueue<string> _violations = new();
        private int _violationCount;

        public ToolDescriptor[] Tools()
        {
            var retry = new ToolRetryPolicy { MaxRetryAttempts = RetryAttempts, BaseDelay = TimeSpan.FromMilliseconds(1), UseJitter = true };
            return
            [
                new ToolDescriptor(new SoakTool(this, "ok", Kind.Ok), ToolEffects.ReadOnly),
                new ToolDescriptor(new SoakTool(this, "write", Kind.Write), ToolEffects.SideEffecting) { MaxConcurrency = WriteCap },
                new ToolDescriptor(new SoakTool(this, "fail", Kind.Fail), ToolEffects.ReadOnly),
                new ToolDescriptor(new SoakTool(this, "flaky", Kind.Flaky), ToolEffects.Idempotent) { Retry = retry },
                new ToolDescriptor(new SoakTool(this, "hang", Kind.Hang), ToolEffects.ReadOnly) { Timeout = TimeSpan.FromMilliseconds(2) },
                new ToolDescriptor(new SoakTool(this, "hang_retry", Kind.HangRetry), ToolEffects.Idempotent) { Timeout = TimeSpan.FromMilliseconds(1), Retry = retry },
                new ToolDescriptor(new SoakTool(this, "await_cancel", Kind.AwaitCancel), ToolEffects.ReadOnly),
                new ToolDescriptor(new SoakTool(this, "stubborn", Kind.Stubborn), ToolEffects.ReadOnly),
            ];
        }

        /// <summary>One conversation's run in one wave: its calls close one by one, then its response ends.</summary>
        public async Task ConversationAsync(ToolExecutor executor, ToolDescriptor[] tools, int wave, int conversation, CancellationToken cancellationToken)
        {
            // Spread the conversations over the pool before they start posting.
            await Task.Yield();
            int runIndex = (wave * Conversations) + conversation;
            int first = runIndex * CallsPerConversation;
            var block = new ToolExecutionBlock(tools, new ToolExecutionBlockOptions
            {
                Executor = executor,
                MaxConcurrency = ConversationCap,
                ReferenceSyntax = ToolReferenceSyntax.PlanSteps,
                CancellationToken = cancellationToken,
            });
            var sink = new ActionBlock<ToolPipelineEvent>(Record);
            block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });

            var calls = new ToolCall[CallsPerConversation];
            var cancellers = new List<Task>();
            var due = new List<(int Id, int PostsLeft)>();
            for (int i = 0; i < CallsPerConversation; i++)
            {
                int id = first + i;
                calls[i] = plan.Call(id);
                if (plan.Kinds[id] is Kind.AwaitCancel or Kind.Stubborn)
                {
                    _toolStarted[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _release[id] = plan.Kinds[id] == Kind.Stubborn ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
                    cancellers.Add(CancelOnceStartedAsync(block, id));
                }
                else if (plan.Ops[id] != CancelOp.None)
                {
                    due.Add((id, plan.CancelAfterPosts[id]));
                }

                block.Post(new ToolCallClosed(calls[i]) { Turn = 1 });
                for (int d = due.Count - 1; d >= 0; d--)
                {
                    if (due[d].PostsLeft == 0)
                    {
                        Cancel(block, due[d].Id);
                        due.RemoveAt(d);
                    }
                    else
                    {
                        due[d] = (due[d].Id, due[d].PostsLeft - 1);
                    }
                }

                if (plan.YieldAfter[id])
                {
                    await Task.Yield();
                }
            }

            ChatFinishReason finish = plan.LengthFinish[runIndex] ? ChatFinishReason.Length : ChatFinishReason.ToolCalls;
            block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), calls, finish, null, null) { Turn = 1 });
            await Task.Yield();
            foreach ((int id, _) in due)
            {
                Cancel(block, id);
            }

            await Task.WhenAll(cancellers).ConfigureAwait(false);
            block.Complete();
            await sink.Completion.ConfigureAwait(false);
        }

        private async Task CancelOnceStartedAsync(ToolExecutionBlock block, int id)
        {
            await _toolStarted[id]!.Task.ConfigureAwait(false);
            Cancel(block, id);
            _release[id]?.TrySetResult();
        }

        private void Cancel(ToolExecutionBlock block, int id) =>
            _cancelResults[id] = plan.Ops[id] == CancelOp.Branch ? block.CancelBranch(Plan.Id(id)) : block.CancelCall(Plan.Id(id)) ? 1 : 0;

        public void EndWave(int wave)
        {
            int first = wave * Conversations * CallsPerConversation;
            Array.Clear(_toolStarted, first, Conversations * CallsPerConversation);
            Array.Clear(_release, first, Conversations * CallsPerConversation);
        }

        public int WithoutOutcome() => _terminals.Count(t => t == 0);

        public int NotEndedOnce() => _terminals.Count(t => t != 1);

        public string ViolationsSoFar() => $"{_violationCount} violations; {string.Join(Environment.NewLine, _violations)}";

        private void Violation(string message)
        {
            if (Interlocked.Increment(ref _violationCount) <= MaxReported)
            {
                _violations.Enqueue(message);
            }
        }

        // Runs on each conversation's sink, one event at a time; a call's events all come through its own sink.
        private void Record(ToolPipelineEvent e)
        {
            switch (e)
            {
                case ToolCallStarted started:
                {
                    int id = int.Parse(started.Call.CallId, CultureInfo.InvariantCulture);
                    if (++_started[id] > 1 || _terminals[id] > 0)
                    {
                        Violation($"Call {id} ({plan.Kinds[id]}) started a second time or after its outcome.");
                    }

                    break;
                }

                case ToolCallCompleted completed:
                {
                    int id = Terminal(completed.Call, Completed);
                    if (completed.Result is not long value || value != plan.Expected[id])
                    {
                        Violation($"Call {id} ({plan.Kinds[id]}) completed with {completed.Result ?? "null"}, expected {plan.Expected[id]}.");
                    }

                    break;
                }

                case ToolCallFailed failed:
                {
                    int id = Terminal(failed.Call, Failed(failed.Kind));
                    if (failed.Kind is not (ToolCallFailureKind.ToolException or ToolCallFailureKind.TimedOut or ToolCallFailureKind.Cancelled or ToolCallFailureKind.DependencyFailed or ToolCallFailureKind.Discarded))
                    {
                        Violation($"Call {id} ({plan.Kinds[id]}) failed as {failed.Kind}, which no call of the soak may: {failed.Message}");
                    }

                    break;
                }

                case ToolCallProgressed progressed:
                {
                    int id = int.Parse(progressed.Call.CallId, CultureInfo.InvariantCulture);
                    if (_started[id] == 0 || _terminals[id] > 0)
                    {
                        Violation($"Call {id} ({plan.Kinds[id]}) reported progress {(_started[id] == 0 ? "before it started" : "after its outcome")}.");
                    }

                    Interlocked.Increment(ref _progressed);

                    break;
                }

                case ToolCallRetrying retrying:
                    _retries[int.Parse(retrying.Call.CallId, CultureInfo.InvariantCulture)]++;
                    break;
                case ToolResultDiscarded discarded:
                {
                    int id = int.Parse(discarded.Call.CallId, CultureInfo.InvariantCulture);
                    if (++_discarded[id] > 1 || _outcomes[id] != Failed(ToolCallFailureKind.Cancelled))
                    {
                        Violation($"Call {id} ({plan.Kinds[id]}) had a stale result #{_discarded[id]} while its outcome was {Describe(_outcomes[id])}.");
                    }

                    if (discarded.Result is not long value || value != plan.Expected[id])
                    {
                        Violation($"Call {id} ({plan.Kinds[id]}) had the stale result {discarded.Result ?? "null"}, expected {plan.Expected[id]}.");
                    }

                    break;
                }
            }
        }

        private int Terminal(ToolCall call, byte outcome)
        {
            int id = int.Parse(call.CallId, CultureInfo.InvariantCulture);
            if (++_terminals[id] > 1)
            {
                Violation($"Call {id} ({plan.Kinds[id]}) ended again as {Describe(outcome)} after {Describe(_outcomes[id])}.");
                return id;
            }

            _outcomes[id] = outcome;
            return id;
        }

        /// <summary>Checks every call against the plan once the soak is over.</summary>
        public Report Verify()
        {
            if (Interlocked.Read(ref _progressed) == 0)
            {
                Violation("No call's progress report reached the events.");
            }

            // The calls a cancellation may reach: its root and everything that depends on it. Roots have no
            // dependency and their dependents are never roots, so each call is in at most one branch.
            int[] branchOf = new int[TotalCalls];
            int[] cancelledInBranch = new int[TotalCalls];
            int dependents = 0;
            for (int id = 0; id < TotalCalls; id++)
            {
                int dependency = plan.Dependency[id];
                dependents += dependency >= 0 ? 1 : 0;
                branchOf[id] = plan.Ops[id] != CancelOp.None ? id : dependency >= 0 ? branchOf[dependency] : -1;
                if (branchOf[id] >= 0 && _outcomes[id] == Failed(ToolCallFailureKind.Cancelled))
                {
                    cancelledInBranch[branchOf[id]]++;
                }
            }

            int operations = 0, cancelling = 0;
            for (int id = 0; id < TotalCalls; id++)
            {
                Kind kind = plan.Kinds[id];
                byte outcome = _outcomes[id];
                string call = $"Call {id} ({kind}{(plan.Dependency[id] >= 0 ? $" after {plan.Dependency[id]}" : string.Empty)})";
                if (_terminals[id] != 1)
                {
                    Violation($"{call} ended {_terminals[id]} times.");
                    continue;
                }

                byte normal = plan.Normal(id, _outcomes);
                bool cancelled = outcome == Failed(ToolCallFailureKind.Cancelled);
                if (outcome != normal && !(cancelled && branchOf[id] >= 0))
                {
                    Violation($"{call} ended {Describe(outcome)}, expected {Describe(normal)}.");
                }

                if (plan.Ops[id] != CancelOp.None)
                {
                    operations++;
                    int result = _cancelResults[id];
                    cancelling += result > 0 ? 1 : 0;
                    if (result < 0)
                    {
                        Violation($"{call} was never cancelled by the driver.");
                    }
                    else if (kind is Kind.AwaitCancel or Kind.Stubborn && result < 1)
                    {
                        Violation($"{call} was running when {plan.Ops[id]} cancelled it, which returned {result}.");
                    }
                    else if (plan.Ops[id] == CancelOp.Call && (result == 1 ? !cancelled : outcome != normal))
                    {
                        Violation($"CancelCall({id}) returned {result == 1} but the call ended {Describe(outcome)} (uncancelled: {Describe(normal)}).");
                    }
                    else if (plan.Ops[id] == CancelOp.Branch && result > cancelledInBranch[id])
                    {
                        Violation($"CancelBranch({id}) reported {result} calls cancelled; {cancelledInBranch[id]} ended cancelled.");
                    }
                }

                // A call that ran to an outcome of its own started exactly once; one that never ran, never.
                bool ran = outcome == Completed || outcome == Failed(ToolCallFailureKind.ToolException) || outcome == Failed(ToolCallFailureKind.TimedOut);
                bool neverRan = outcome == Failed(ToolCallFailureKind.DependencyFailed) || outcome == Failed(ToolCallFailureKind.Discarded);
                if (_started[id] > 1 || (ran && _started[id] != 1) || (neverRan && _started[id] != 0))
                {
                    Violation($"{call} ended {Describe(outcome)} after {_started[id]} starts.");
                }

                // A stale result only for a cancelled call, at most one; the stubborn tool always answers once cancelled.
                bool staleOk = kind == Kind.Stubborn ? _discarded[id] == 1 : _discarded[id] == 0 || (_discarded[id] == 1 && cancelled);
                if (!staleOk)
                {
                    Violation($"{call} ended {Describe(outcome)} with {_discarded[id]} stale results{(kind == Kind.Stubborn ? " (it answers once cancelled: expected 1)" : string.Empty)}.");
                }

                if (!cancelled)
                {
                    int retries = (kind, outcome) switch
                    {
                        (Kind.Flaky, Completed) => plan.Failures[id],
                        (Kind.Flaky, _) when outcome == Failed(ToolCallFailureKind.ToolException) => RetryAttempts,
                        (Kind.HangRetry, _) when outcome == Failed(ToolCallFailureKind.TimedOut) => RetryAttempts,
                        _ => 0,
                    };
                    // A retry waits for the timed-out body before it runs its own (the slot is that body's until it
                    // returns); one whose timeout falls due first times out without running, so a hanging tool with
                    // retries runs between 1 and retries + 1 bodies.
                    int attempts = ran ? retries + 1 : 0;
                    bool attemptsOk = kind == Kind.HangRetry && ran ? _attempts[id] >= 1 && _attempts[id] <= attempts : _attempts[id] == attempts;
                    if (_retries[id] != retries || (kind is Kind.Flaky or Kind.Hang or Kind.HangRetry && !attemptsOk))
                    {
                        Violation($"{call} ended {Describe(outcome)} after {_retries[id]} retries and {_attempts[id]} attempts, expected {retries} and {attempts}.");
                    }
                }
            }

            var outcomes = _outcomes.GroupBy(Describe).ToDictionary(g => g.Key, g => g.Count());
            return new Report(outcomes, _retries.Sum(r => (long)r), _discarded.Sum(d => (long)d), operations, cancelling, dependents, _violationCount, [.. _violations]);
        }

        /// <summary>Every tool of the soak: its behaviour comes from its kind and its arguments.</summary>
        private sealed class SoakTool(Run run, string name, Kind kind) : AIFunction
        {
            public override string Name => name;

            protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
            {
                int id = ((JsonElement)arguments["id"]!).GetInt32();
                int x = ((JsonElement)arguments["x"]!).GetInt32();
                int latency = ((JsonElement)arguments["ms"]!).GetInt32();
                int failures = ((JsonElement)arguments["fail"]!).GetInt32();
                long dependency = arguments.TryGetValue("dep", out object? dep) ? ((JsonElement)dep!).GetInt64() : 0;
                long value = Plan.Value(id, x, dependency);

                // Every call reports once as it starts; a stubborn one reports again once cancelled, which is dropped.
                ToolProgress.Current?.Report(new(0, 1, null));
                switch (kind)
                {
                    case Kind.Hang or Kind.HangRetry:
                        Interlocked.Increment(ref run._attempts[id]);
                        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                        throw new UnreachableException();
                    case Kind.AwaitCancel when failures == 0:
                        run._toolStarted[id]!.TrySetResult();
                        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                        throw new UnreachableException();
                    case Kind.AwaitCancel:
                    {
                        // How a tool wraps a callback API: the registration ends it on the thread that cancels.
                        var cancelled = new TaskCompletionSource();
                        using (cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), cancelled))
                        {
                            run._toolStarted[id]!.TrySetResult();
                            await cancelled.Task.ConfigureAwait(false);
                        }

                        throw new UnreachableException();
                    }

                    case Kind.Stubborn:
                        run._toolStarted[id]!.TrySetResult();
                        await run._release[id]!.Task.ConfigureAwait(false);
                        ToolProgress.Current?.Report(new(1, 1, "after cancellation"));
                        return value;
                }

                int attempt = Interlocked.Increment(ref run._attempts[id]);
                if (latency > 0)
                {
                    await Task.Delay(latency, cancellationToken).ConfigureAwait(false);
                }

                return kind switch
                {
                    Kind.Fail => throw new InvalidOperationException($"Tool failure for call {id}."),
                    Kind.Flaky when attempt <= failures => throw new IOException($"Attempt {attempt} of call {id} failed."),
                    _ => value,
                };
            }
        }
    }
}
