using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

/// <summary>What a pipeline with a ledger records, on the manual clock: every instant, the outcome, who consumed it.</summary>
public sealed class ToolPipelineLedgerTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly InMemoryToolCallLedger _ledger = new();

    private ScriptedModelOptions Speed => new() { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 };

    private ToolPipelineBuilder Builder(IChatClient model) =>
        ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler).WithLedger(_ledger);

    private List<ToolPipelineEvent> Run(ToolPipeline pipeline, string runId)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await using ToolPipelineRun run = pipeline.Start([new ChatMessage(ChatRole.User, "go")], new ToolPipelineRunOptions { RunId = runId, ConversationId = "c1" });
            Assert.Equal(runId, run.RunId);
            await foreach (ToolPipelineEvent e in run.Events)
            {
                events.Add(e);
            }
        });
        return events;
    }

    private LedgerRun Read(string runId) => _ledger.ReadRunAsync(runId, CancellationToken.None).AsTask().GetAwaiter().GetResult()!;

    [Fact]
    public void Start_ThreeCalls_EveryInstantRecordedAsTheEventsHadIt()
    {
        var model = new ScriptedChatClient([ToolPipelineTests.ThreeCalls(), new ScriptedResponse().Text("Done.")], Speed);
        ToolPipeline pipeline = Builder(model).AddTools(["slow", "fast", "medium"], new TestTools(_clock)).Build();

        List<ToolPipelineEvent> events = Run(pipeline, "r1");

        LedgerRun run = Read("r1");
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(("c1", "Await", "FinalAnswer", 0, completed.Timestamp), (run.Run.ConversationId, run.Run.Mode, run.Run.Completion, run.Run.Resumes, run.Run.EndedAt));
        Assert.Equal("go", Assert.Single(JsonSerializer.Deserialize<List<ChatMessage>>(run.Run.MessagesJson, AIJsonUtilities.DefaultOptions)!).Text);
        Assert.Equal([1, 2], run.Turns.Select(t => t.Turn));
        TurnCompleted firstTurn = events.OfType<TurnCompleted>().First();
        Assert.Equal(firstTurn.Timestamp, run.Turns[0].EndedAt);
        Assert.Equal(events.OfType<TurnStarted>().Select(t => (DateTimeOffset?)t.Timestamp), run.Turns.Select(t => (DateTimeOffset?)t.StartedAt));
        Assert.Equal(JsonSerializer.Serialize(firstTurn.Messages, AIJsonUtilities.DefaultOptions), run.Turns[0].MessagesJson);

        Assert.Equal(["slow", "fast", "medium"], run.Calls.Select(c => c.Tool));
        foreach (ToolCallLedgerEntry entry in run.Calls)
        {
            DateTimeOffset At<T>() where T : ToolPipelineEvent => events.OfType<T>().Single(e => CallIdOf(e) == entry.CallId).Timestamp;
            Assert.Equal(("r1", "c1", 1, ToolEffects.ReadOnly), (entry.RunId, entry.ConversationId, entry.Turn, entry.Effects));
            Assert.Equal(At<ToolCallDetected>(), entry.DetectedAt);
            Assert.Equal(At<ToolCallClosed>(), entry.ClosedAt);
            Assert.Equal(At<ToolCallStarted>(), entry.DispatchedAt);
            ToolCallAttemptRecord attempt = Assert.Single(entry.Attempts);
            Assert.Equal((1, At<ToolCallStarted>(), At<ToolCallCompleted>(), (string?)null), (attempt.Attempt, attempt.StartedAt, attempt.EndedAt, attempt.Error));
            Assert.Equal(At<ToolCallCompleted>(), entry.CompletedAt);
            Assert.Equal(firstTurn.Timestamp, entry.MergedAt);
            Assert.Equal((ToolCallLedgerOutcome.Succeeded, (ToolCallFailureKind?)null, JsonSerializer.Serialize($"{entry.Tool}-result")), (entry.Outcome, entry.FailureKind, entry.ResultJson));
            Assert.Equal((2, false, (string?)null), (entry.ConsumedByTurn, entry.Replayed, entry.IdempotencyKey));
            Assert.True(entry.DetectedAt <= entry.ClosedAt && entry.ClosedAt <= entry.DispatchedAt && attempt.EndedAt <= entry.CompletedAt && entry.CompletedAt <= entry.MergedAt);
        }

        Assert.Equal("""{"q":"first"}""", run.Calls[0].ArgumentsJson);

        // Dozens of updates (instants, attempts, outcomes, turns) coalesced into a few batches.
        Assert.InRange(_ledger.BatchCount, 1, 12);
    }

    [Fact]
    public void Start_FailuresAndRetries_KindsAndEveryAttemptRecorded()
    {
        var tools = new TestTools(_clock);
        var model = new ScriptedChatClient(
            [new ScriptedResponse().Call("flaky", """{"n": 1}""").Call("nosuch", "{}"), new ScriptedResponse().Text("Done.")],
            Speed);
        ToolPipeline pipeline = Builder(model)
            .AddTool(new ToolDescriptor(tools.Throwing("flaky", TimeSpan.FromMilliseconds(100), new InvalidOperationException("boom")), ToolEffects.Idempotent)
            {
                Retry = new ToolRetryPolicy { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(50), UseJitter = false },
            })
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, "r2");

        LedgerRun run = Read("r2");
        ToolCallLedgerEntry flaky = run.Calls.Single(c => c.Tool == "flaky");
        ToolCallRetrying retrying = Assert.Single(events.OfType<ToolCallRetrying>());
        ToolCallFailed failed = events.OfType<ToolCallFailed>().Single(f => f.Call.Name == "flaky");
        Assert.Equal((ToolCallLedgerOutcome.Failed, ToolCallFailureKind.ToolException, failed.Timestamp), (flaky.Outcome, flaky.FailureKind, flaky.CompletedAt));
        Assert.Equal(failed.ResultForModel, JsonSerializer.Deserialize<string>(flaky.ResultJson!));
        Assert.Equal(
            [(1, events.OfType<ToolCallStarted>().Single(e => e.Call.Name == "flaky").Timestamp, retrying.Timestamp, "boom"), (2, retrying.Timestamp + retrying.Delay, failed.Timestamp, "boom")],
            flaky.Attempts.Select(a => (a.Attempt, a.StartedAt, a.EndedAt!.Value, a.Error!)));

        ToolCallLedgerEntry unknown = run.Calls.Single(c => c.Tool == "nosuch");
        Assert.Equal((ToolCallLedgerOutcome.Failed, ToolCallFailureKind.UnknownTool, 0, (DateTimeOffset?)null), (unknown.Outcome, unknown.FailureKind, unknown.Attempts.Count, unknown.DispatchedAt));
        Assert.All(run.Calls, c => Assert.Equal((events.OfType<TurnCompleted>().First().Timestamp, 2), (c.MergedAt!.Value, c.ConsumedByTurn!.Value)));
    }

    [Fact]
    public void Start_ManyUpdatesInOneWindow_CoalescedIntoFewBatches()
    {
        var model = new ScriptedChatClient([ToolPipelineTests.ThreeCalls(), new ScriptedResponse().Text("Done.")], Speed);
        var counting = new CountingLedger(_ledger);
        ToolPipeline pipeline = Builder(model).WithLedger(counting).Configure(o => o.LedgerBatchWindow = TimeSpan.FromSeconds(10))
            .AddTools(["slow", "fast", "medium"], new TestTools(_clock)).Build();

        Run(pipeline, "r3");

        // The run, two turns and three calls, each changed several times: the run ends before the window closes, and
        // its end writes every record once, in one batch.
        Assert.Equal(1, _ledger.BatchCount);
        Assert.Equal([6], counting.Records);
        Assert.Equal(3, Read("r3").Calls.Count(c => c.Outcome == ToolCallLedgerOutcome.Succeeded && c.MergedAt is not null));
    }

    [Fact]
    public void Start_LedgerFails_RunCompletesWithOneDiagnostic()
    {
        var model = new ScriptedChatClient([ToolPipelineTests.ThreeCalls(), new ScriptedResponse().Text("Done.")], Speed);
        var failing = new CountingLedger(_ledger) { Fail = true };
        ToolPipeline pipeline = Builder(model).WithLedger(failing).AddTools(["slow", "fast", "medium"], new TestTools(_clock)).Build();

        List<ToolPipelineEvent> events = Run(pipeline, "r4");

        DiagnosticReported diagnostic = Assert.Single(events.OfType<DiagnosticReported>());
        Assert.Equal("ledger-write-failed", diagnostic.Code);
        Assert.Contains("IOException: disk full", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(RunCompletionReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
        Assert.Equal(events.Select(e => e.Sequence), events.Select(e => e.Sequence).Order());
        Assert.Equal(events.Count, events.Select(e => e.Sequence).Distinct().Count());
    }

    [Fact]
    public void Start_LedgerNeverAnswers_RunEndsAfterTheFlushTimeoutWithADiagnostic()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Text("Hello.")], Speed);
        var stuck = new CountingLedger(_ledger) { Hang = true };
        ToolPipeline pipeline = Builder(model).WithLedger(stuck).Configure(o => o.LedgerFlushTimeout = TimeSpan.FromSeconds(3)).Build();

        List<ToolPipelineEvent> events = Run(pipeline, "r5");

        Assert.Equal(["ledger-flush-timeout"], events.OfType<DiagnosticReported>().Select(d => d.Code));
        Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(events[^2].Sequence + 1, events[^1].Sequence);
        Assert.True(_clock.Elapsed >= TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Start_LedgerNeverAnswersAWriteAhead_TheCallRunsAfterTheTimeoutWithADiagnostic()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Call("send", "{}"), new ScriptedResponse().Text("Sent.")], Speed);
        var stuck = new CountingLedger(_ledger) { Hang = true };
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model).WithLedger(stuck).Configure(o => o.LedgerFlushTimeout = TimeSpan.FromSeconds(2))
            .AddTool(tools.Delayed("send", TimeSpan.FromMilliseconds(10), "sent"), ToolEffects.SideEffecting).Build();

        List<ToolPipelineEvent> events = Run(pipeline, "r8");

        Assert.Equal(["ledger-write-ahead-timeout", "ledger-flush-timeout"], events.OfType<DiagnosticReported>().Select(d => d.Code));
        DateTimeOffset started = events.OfType<ToolCallStarted>().Single().Timestamp;
        Assert.Equal(TimeSpan.FromSeconds(2), tools.Invocations.Single().At - (started - _clock.Epoch));
        Assert.Equal(RunCompletionReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public void Start_PermissionChecks_MappedToTheEntry()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Call("fast", """{"q": 1}"""), new ScriptedResponse().Text("Done.")], Speed);
        var allowed = new ToolPermissionDecision(true, "test", "rev-1");
        var revoked = new ToolPermissionDecision(false, "test", "rev-2", "revoked");

        // Stands in for the executor's checks: each start is followed by a dispatch check, each completion by a result check.
        ToolPipeline pipeline = Builder(model).AddTools(["fast"], new TestTools(_clock))
            .InsertAfter(ToolPipelineStage.Execute, () =>
            {
                var block = new System.Threading.Tasks.Dataflow.TransformManyBlock<ToolPipelineEvent, ToolPipelineEvent>(e => e switch
                {
                    ToolCallStarted s => [s, new ToolCallPermissionChecked(s.Call, ToolPermissionCheckpoint.Dispatch, allowed) { Timestamp = s.Timestamp, Turn = s.Turn }],
                    ToolCallCompleted c => [new ToolCallPermissionChecked(c.Call, ToolPermissionCheckpoint.Result, revoked) { Timestamp = c.Timestamp, Turn = c.Turn }, c],
                    _ => [e],
                });
                return block;
            })
            .Build();

        Run(pipeline, "r6");

        ToolCallLedgerEntry entry = Assert.Single(Read("r6").Calls);
        Assert.Equal((allowed, revoked), (entry.PermissionAtDispatch, entry.PermissionAtResult));
    }

    [Fact]
    public void Start_FuturesMode_MergedWhenTheValueReplacesItsPlaceholder()
    {
        var model = new ScriptedChatClient(
            [new ScriptedResponse().Call("slow", """{"q": 1}""").Text(" Going on."), new ScriptedResponse().Text("Waiting."), new ScriptedResponse().Text("Done.")],
            Speed);
        ToolPipeline pipeline = Builder(model).WithMode(ToolPipelineMode.Futures).AddTools(["slow"], new TestTools(_clock)).Build();

        List<ToolPipelineEvent> events = Run(pipeline, "r7");

        FutureResolved resolved = Assert.Single(events.OfType<FutureResolved>());
        LedgerRun run = Read("r7");
        ToolCallLedgerEntry slow = Assert.Single(run.Calls);
        Assert.Equal(resolved.Timestamp, slow.MergedAt);
        int consumer = events.OfType<TurnStarted>().First(t => t.Timestamp >= resolved.Timestamp).Turn;
        Assert.Equal(consumer, slow.ConsumedByTurn);
        Assert.Contains("slow-result", run.Turns[0].MessagesJson, StringComparison.Ordinal);
        Assert.DoesNotContain("still running", run.Turns[0].MessagesJson, StringComparison.Ordinal);
    }

    [Fact]
    public void RunOptions_BadIds_Refused()
    {
        Assert.Throws<ArgumentException>(() => new ToolPipelineRunOptions { RunId = " " });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolPipelineRunOptions { ConversationId = new string('c', ToolPipelineRunOptions.MaxIdLength + 1) });
        Assert.Equal(ToolPipelineRunOptions.MaxIdLength, new ToolPipelineRunOptions { RunId = new string('r', ToolPipelineRunOptions.MaxIdLength) }.RunId!.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolPipelineOptions { LedgerFlushTimeout = TimeSpan.FromTicks(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolPipelineOptions { LedgerBatchWindow = TimeSpan.FromDays(25) });
    }

    /// <summary>A ledger in front of another that counts each batch's records, and can fail or hang.</summary>
    internal sealed class CountingLedger(IToolCallLedger inner) : IToolCallLedger
    {
        public List<int> Records { get; } = [];

        public bool Fail { get; init; }

        public bool Hang { get; init; }

        public async ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new IOException("disk full");
            }

            if (Hang)
            {
                await new TaskCompletionSource().Task.ConfigureAwait(false);
            }

            Records.Add(batch.Runs.Count + batch.Turns.Count + batch.Calls.Count);
            await inner.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken) => inner.ListRunsAsync(cancellationToken);

        public ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken) => inner.ReadRunAsync(runId, cancellationToken);
    }

    internal static string? CallIdOf(ToolPipelineEvent e) => e switch
    {
        ToolCallDetected d => d.CallId,
        ToolCallClosed c => c.Call.CallId,
        ToolCallStarted s => s.Call.CallId,
        ToolCallCompleted c => c.Call.CallId,
        ToolCallFailed f => f.Call.CallId,
        _ => null,
    };
}
