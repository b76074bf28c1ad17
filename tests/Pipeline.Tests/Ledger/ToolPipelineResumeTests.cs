using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// Resuming an interrupted run from an <see cref="InMemoryToolCallLedger"/>, on the manual clock: the run is cancelled
/// at a chosen event (what a crash leaves, once the writer has caught up), or the ledger is written by hand.
/// </summary>
public sealed class ToolPipelineResumeTests
{
    private static readonly ChatMessage[] s_ask = [new(ChatRole.User, "go")];
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly InMemoryToolCallLedger _ledger = new();
    private readonly ConcurrentQueue<(string Tool, string? Key)> _bodies = new();
    private Action<string>? _onStart;

    private ScriptedModelOptions Speed => new() { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 };

    // Turn 1: a fast lookup, a slow read-only search, a payment whose tool honours keys, optionally an e-mail whose
    // tool does not; turn 2 answers.
    private static ScriptedResponse[] Script(bool email)
    {
        var first = new ScriptedResponse().Text("On it.").Call("lookup", """{"id": 7}""").Call("search", """{"q": "x"}""").Call("pay", """{"amount": 5}""");
        if (email)
        {
            first.Call("email", """{"to": "a@b.c"}""");
        }

        return [first.Text(" Working."), new ScriptedResponse().Text("All done.")];
    }

    private ToolPipeline Pipeline(IChatClient model, IToolCallLedger? ledger = null)
    {
        AIFunction Body(string name, int ms) => new RecordingTool(name, TimeSpan.FromMilliseconds(ms), _clock, this);

        return ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler).WithLedger(ledger ?? _ledger)
            .AddTool(Body("lookup", 100), ToolEffects.ReadOnly)
            .AddTool(Body("search", 3000), ToolEffects.ReadOnly)
            .AddTool(new ToolDescriptor(Body("pay", 2000), ToolEffects.SideEffecting) { HonorsIdempotencyKeys = true })
            .AddTool(Body("email", 2000), ToolEffects.SideEffecting)
            .Build();
    }

    /// <summary>Runs to the end, or cancels the run at the first event <paramref name="interruptAt"/> accepts.</summary>
    private (List<ToolPipelineEvent> Events, bool Interrupted) Run(Func<Task<ToolPipelineRun>> start, Func<ToolPipelineEvent, bool>? interruptAt = null)
    {
        var events = new List<ToolPipelineEvent>();
        bool interrupted = false;
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await using ToolPipelineRun run = await start();
            try
            {
                await foreach (ToolPipelineEvent e in run.Events)
                {
                    events.Add(e);
                    if (!interrupted && interruptAt?.Invoke(e) == true)
                    {
                        interrupted = true;
                        run.Cancel();
                    }
                }
            }
            catch (OperationCanceledException) when (interrupted)
            {
                // The run's end (its last records flushed) is its completion's.
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Completion);
            }
        });
        return (events, interrupted);
    }

    private ToolPipeline Fresh(bool email) => Pipeline(new ScriptedChatClient(Script(email), Speed));

    private LedgerRun Read(string runId) => _ledger.ReadRunAsync(runId, CancellationToken.None).AsTask().GetAwaiter().GetResult()!;

    private static string Json(IEnumerable<ChatMessage> messages) => JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions);

    private string[] Bodies(string tool) => [.. _bodies.Where(b => b.Tool == tool).Select(b => b.Key ?? "")];

    [Fact]
    public void ResumeAsync_InterruptedWhileCallsRun_CompletedReplayedInFlightRerunConversationAsUninterrupted()
    {
        // The uninterrupted run, for comparison.
        var (reference, _) = Run(() => Task.FromResult(Fresh(email: false).Start(s_ask, new ToolPipelineRunOptions { RunId = "reference" })));
        _bodies.Clear();

        // Interrupted once the payment has started: lookup is done, search and pay are under way.
        ToolPipeline pipeline = Fresh(email: false);
        var (first, interrupted) = Run(() => Task.FromResult(pipeline.Start(s_ask, new ToolPipelineRunOptions { RunId = "r1" })), e => e is ToolCallStarted { Call.Name: "pay" });
        Assert.True(interrupted);
        Assert.DoesNotContain(first, e => e is TurnCompleted);
        LedgerRun crashed = Read("r1");
        Assert.Equal((null, null, 0), (crashed.Run.EndedAt, crashed.Run.Completion, crashed.Run.Resumes));
        Assert.Equal(ToolCallLedgerOutcome.Succeeded, crashed.Calls.Single(c => c.Tool == "lookup").Outcome);
        string payKey = crashed.Calls.Single(c => c.Tool == "pay").IdempotencyKey!;
        Assert.NotNull(crashed.Calls.Single(c => c.Tool == "pay").DispatchedAt);

        // Resumed by a new pipeline (a new process) on the same ledger.
        var model = new ScriptedChatClient(Script(email: false), Speed);
        var (resumed, _) = Run(async () => await Pipeline(model).ResumeAsync("r1"));

        RunCompleted end = Assert.IsType<RunCompleted>(resumed[^1]);
        Assert.Equal(RunCompletionReason.FinalAnswer, end.Reason);
        Assert.Equal(Json(((RunCompleted)reference[^1]).Messages), Json(end.Messages));

        // lookup ran once (the first run); search ran again (read-only); pay ran again once, with the same key.
        Assert.Single(Bodies("lookup"));
        Assert.Equal(2, Bodies("search").Length);
        Assert.Equal([payKey, payKey], Bodies("pay"));

        LedgerRun after = Read("r1");
        Assert.Equal((1, "FinalAnswer"), (after.Run.Resumes, after.Run.Completion));
        ToolCallLedgerEntry lookup = after.Calls.Single(c => c.Tool == "lookup");
        Assert.Equal((true, 1, ToolCallLedgerOutcome.Succeeded), (lookup.Replayed, lookup.Attempts.Count, lookup.Outcome));
        ToolCallLedgerEntry pay = after.Calls.Single(c => c.Tool == "pay");
        Assert.Equal((false, 2, ToolCallLedgerOutcome.Succeeded, payKey), (pay.Replayed, pay.Attempts.Count, pay.Outcome, pay.IdempotencyKey));
        Assert.Equal(2, after.Calls.Single(c => c.Tool == "search").Attempts.Count);
        Assert.All(after.Calls, c => Assert.Equal(2, c.ConsumedByTurn));
        Assert.All(after.Turns, t => Assert.NotNull(t.MessagesJson));
    }

    [Fact]
    public void ResumeAsync_SideEffectingWithoutKeysInFlight_FailsOutcomeUnknownAndIsNotRunAgain()
    {
        ToolPipeline pipeline = Fresh(email: true);
        Run(() => Task.FromResult(pipeline.Start(s_ask, new ToolPipelineRunOptions { RunId = "r2" })), e => e is ToolCallStarted { Call.Name: "email" });
        Assert.NotNull(Read("r2").Calls.Single(c => c.Tool == "email").DispatchedAt);

        var (resumed, _) = Run(async () => await Fresh(email: true).ResumeAsync("r2"));

        ToolCallFailed unknown = Assert.Single(resumed.OfType<ToolCallFailed>());
        Assert.Equal(("email", ToolCallFailureKind.OutcomeUnknown), (unknown.Call.Name, unknown.Kind));
        Assert.Contains("may or may not have taken effect", unknown.ResultForModel, StringComparison.Ordinal);
        Assert.Single(Bodies("email"));
        Assert.Equal(2, Bodies("pay").Length);
        RunCompleted end = Assert.IsType<RunCompleted>(resumed[^1]);
        FunctionResultContent told = end.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == unknown.Call.CallId);
        Assert.Equal(unknown.ResultForModel, told.Result);
        ToolCallLedgerEntry email = Read("r2").Calls.Single(c => c.Tool == "email");
        Assert.Equal((ToolCallLedgerOutcome.Failed, ToolCallFailureKind.OutcomeUnknown, 1), (email.Outcome, email.FailureKind, email.Attempts.Count));
    }

    [Fact]
    public void ResumeAsync_InterruptedInSecondTurn_FirstTurnReplayedWithoutTheModelNorTheTools()
    {
        var (reference, _) = Run(() => Task.FromResult(Fresh(email: false).Start(s_ask, new ToolPipelineRunOptions { RunId = "reference" })));
        _bodies.Clear();
        Run(() => Task.FromResult(Fresh(email: false).Start(s_ask, new ToolPipelineRunOptions { RunId = "r3" })), e => e is TurnStarted { Turn: 2 });
        Assert.NotNull(Read("r3").Turns[0].MessagesJson);
        int ran = _bodies.Count;

        var model = new ScriptedChatClient(Script(email: false), Speed);
        var (resumed, _) = Run(async () => await Pipeline(model).ResumeAsync("r3"));

        Assert.Equal(ran, _bodies.Count);
        Assert.Empty(Assert.Single(model.Streams).CallNames);
        Assert.Equal(Json(((RunCompleted)reference[^1]).Messages), Json(((RunCompleted)resumed[^1]).Messages));
        Assert.All(Read("r3").Calls, c => Assert.True(c.Replayed));
    }

    [Fact]
    public void Start_SideEffectingWithoutKeys_ItsStartIsInTheLedgerBeforeItsBodyRuns()
    {
        var seen = new List<(string Tool, DateTimeOffset? Dispatched)>();
        _onStart = name => seen.Add((name, _ledger.ReadRunAsync("r4", CancellationToken.None).AsTask().GetAwaiter().GetResult()?.Calls.SingleOrDefault(c => c.Tool == name)?.DispatchedAt));

        var (events, _) = Run(() => Task.FromResult(Fresh(email: true).Start(s_ask, new ToolPipelineRunOptions { RunId = "r4" })));

        // e-mail (no keys) waited for its start to be written; pay (keys) and the read-only calls did not wait.
        DateTimeOffset started = events.OfType<ToolCallStarted>().Single(e => e.Call.Name == "email").Timestamp;
        Assert.Equal(started, seen.Single(s => s.Tool == "email").Dispatched);
        Assert.Null(seen.Single(s => s.Tool == "pay").Dispatched);
        Assert.Null(seen.Single(s => s.Tool == "lookup").Dispatched);
    }

    [Fact]
    public async Task ResumeAsync_ProviderMintsNewCallIds_MatchedByToolArgumentsAndOccurrence()
    {
        // A ledger as a crash left it: turn 1 asked, lookup done under the provider's old id, pay under way.
        ChatMessage[] ask = [new(ChatRole.User, "go")];
        string messages = JsonSerializer.Serialize(ask, AIJsonUtilities.DefaultOptions);
        DateTimeOffset t0 = _clock.GetUtcNow();
        var lookup = new ToolCallLedgerEntry("r5", "c5", "old_0", 1, 0, "lookup", """{"id":7}""", ToolEffects.ReadOnly)
        {
            DispatchedAt = t0,
            Attempts = [new ToolCallAttemptRecord(1, t0, t0)],
            CompletedAt = t0,
            Outcome = ToolCallLedgerOutcome.Succeeded,
            ResultJson = "\"from-the-ledger\"",
        };
        var pay = new ToolCallLedgerEntry("r5", "c5", "old_2", 1, 2, "pay", """{"amount":5}""", ToolEffects.SideEffecting)
        {
            DispatchedAt = t0,
            IdempotencyKey = "key-from-before",
            Attempts = [new ToolCallAttemptRecord(1, t0)],
        };
        await _ledger.WriteAsync(
            new ToolCallLedgerBatch([new LedgerRunRecord("r5", "c5", "Await", t0, messages)], [new LedgerTurnRecord("r5", 1, t0)], [lookup, pay]),
            CancellationToken.None);

        var (resumed, _) = Run(async () => await Fresh(email: false).ResumeAsync("r5"));

        RunCompleted end = Assert.IsType<RunCompleted>(resumed[^1]);
        Assert.Equal("\"from-the-ledger\"", JsonSerializer.Serialize(end.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == "call_t1_0").Result));
        Assert.Empty(Bodies("lookup"));
        Assert.Equal(["key-from-before"], Bodies("pay"));
        Assert.Single(Bodies("search"));
        LedgerRun after = Read("r5");
        Assert.Equal((1, "FinalAnswer", "c5"), (after.Run.Resumes, after.Run.Completion, after.Run.ConversationId));
        ToolCallLedgerEntry replayed = after.Calls.Single(c => c.CallId == "call_t1_0");
        Assert.Equal((true, 1, t0), (replayed.Replayed, replayed.Attempts.Count, replayed.CompletedAt!.Value));
        Assert.Equal(2, after.Calls.Single(c => c.CallId == "call_t1_2").Attempts.Count);
    }

    [Fact]
    public void ResumeAsync_TwiceAfterTheEnd_ReplaysEverythingAndCountsResumes()
    {
        var (reference, _) = Run(() => Task.FromResult(Fresh(email: false).Start(s_ask, new ToolPipelineRunOptions { RunId = "r6" })));
        int ran = _bodies.Count;
        var model = new ScriptedChatClient(Script(email: false), Speed);

        Run(async () => await Pipeline(model).ResumeAsync("r6"));
        var (again, _) = Run(async () => await Pipeline(model).ResumeAsync("r6"));

        Assert.Equal(ran, _bodies.Count);
        Assert.Empty(model.Streams);
        Assert.Equal(Json(((RunCompleted)reference[^1]).Messages), Json(((RunCompleted)again[^1]).Messages));
        Assert.Equal((2, "FinalAnswer"), (Read("r6").Run.Resumes, Read("r6").Run.Completion));
    }

    [Fact]
    public void ResumeAsync_EveryBatchTheResumeWrites_NeverLosesWhatTheLedgerHeldOfACall()
    {
        // Interrupted with the e-mail under way and lookup done: a crash after any batch of the resume must still show
        // them as the ledger had them (a blank record written at detection would make a later resume run them again).
        ToolPipeline pipeline = Fresh(email: true);
        var (_, interrupted) = Run(() => Task.FromResult(pipeline.Start(s_ask, new ToolPipelineRunOptions { RunId = "r9" })), e => e is ToolCallStarted { Call.Name: "email" });
        Assert.True(interrupted);
        Dictionary<string, ToolCallLedgerEntry> before = Read("r9").Calls.ToDictionary(c => c.CallId);
        Assert.NotNull(before.Values.Single(c => c.Tool == "email").DispatchedAt);
        Assert.Equal(ToolCallLedgerOutcome.Succeeded, before.Values.Single(c => c.Tool == "lookup").Outcome);

        var batches = new BatchLog(_ledger);
        var model = new ScriptedChatClient(Script(email: true), Speed);
        Run(async () => await Pipeline(model, batches).ResumeAsync("r9"));

        Assert.NotEmpty(batches.Calls);
        foreach (ToolCallLedgerEntry written in batches.Calls.Where(c => before.ContainsKey(c.CallId)))
        {
            ToolCallLedgerEntry held = before[written.CallId];
            Assert.True(written.DispatchedAt is not null || held.DispatchedAt is null, $"{written.CallId} written without its dispatch");
            Assert.True(written.Outcome != ToolCallLedgerOutcome.Pending || held.Outcome == ToolCallLedgerOutcome.Pending, $"{written.CallId} written pending after it had ended");
        }

        Assert.Equal(ToolCallFailureKind.OutcomeUnknown, Read("r9").Calls.Single(c => c.Tool == "email").FailureKind);
    }

    /// <summary>Every call entry written, batch by batch, in order.</summary>
    private sealed class BatchLog(IToolCallLedger inner) : IToolCallLedger
    {
        public List<ToolCallLedgerEntry> Calls { get; } = [];

        public ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.AddRange(batch.Calls);
            }

            return inner.WriteAsync(batch, cancellationToken);
        }

        public ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken) => inner.ListRunsAsync(cancellationToken);

        public ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken) => inner.ReadRunAsync(runId, cancellationToken);
    }

    [Fact]
    public async Task ResumeAsync_NothingToResume_ClearErrors()
    {
        var model = new ScriptedChatClient(Script(email: false), Speed);
        ToolPipeline withoutLedger = ToolPipeline.CreateBuilder(model).Build();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await withoutLedger.ResumeAsync("r"));
        InvalidOperationException unknown = await Assert.ThrowsAsync<InvalidOperationException>(async () => await Pipeline(model).ResumeAsync("missing"));
        Assert.Contains("'missing'", unknown.Message, StringComparison.Ordinal);

        DateTimeOffset t0 = _clock.GetUtcNow();
        await _ledger.WriteAsync(new ToolCallLedgerBatch([new LedgerRunRecord("plan", "c", "Plan", t0, "[]"), new LedgerRunRecord("bad", "c", "Await", t0, "{not json")], [], []), CancellationToken.None);
        InvalidOperationException mode = await Assert.ThrowsAsync<InvalidOperationException>(async () => await Pipeline(model).ResumeAsync("plan"));
        Assert.Contains("Plan mode", mode.Message, StringComparison.Ordinal);
        InvalidDataException bad = await Assert.ThrowsAsync<InvalidDataException>(async () => await Pipeline(model).ResumeAsync("bad"));
        Assert.Contains("run 'bad'", bad.Message, StringComparison.Ordinal);
        Assert.Null((await _ledger.ReadRunAsync("bad", CancellationToken.None))!.Run.EndedAt);
    }

    /// <summary>A tool that notes its body's start and key, then takes its time on the clock.</summary>
    private sealed class RecordingTool(string name, TimeSpan latency, TimeProvider clock, ToolPipelineResumeTests test) : AIFunction
    {
        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            test._bodies.Enqueue((name, ToolIdempotency.CurrentKey));
            test._onStart?.Invoke(name);
            await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
            return $"{name}-done";
        }
    }
}
