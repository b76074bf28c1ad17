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
