using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// A permission revoked while a call runs, through whole runs on the manual clock: the result is quarantined and
/// recorded, and no later turn, future, dependent or plan step sees it.
/// </summary>
public sealed class ToolPipelinePermissionTests
{
    private const string Secret = "REPORT-q3";
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly ToolPermissions _permissions = new(["report", "lookup", "summarize", "search", "math"]);

    private static string? ResultOf(IReadOnlyList<ChatMessage> messages, string callId) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Where(r => r.CallId == callId).Select(r => r.Result?.ToString()).LastOrDefault();

    private static bool Mentions(IEnumerable<ChatMessage> messages, string text) =>
        messages.Any(m => m.Text.Contains(text, StringComparison.Ordinal)
            || m.Contents.OfType<FunctionResultContent>().Any(r => JsonSerializer.Serialize(r.Result, AIJsonUtilities.DefaultOptions).Contains(text, StringComparison.Ordinal))
            || m.Contents.OfType<FunctionCallContent>().Any(c => JsonSerializer.Serialize(c.Arguments, AIJsonUtilities.DefaultOptions).Contains(text, StringComparison.Ordinal)));

    // Runs the pipeline with the report revoked at 1,000 ms, while it runs (it closes near 200 ms and takes 2,000 ms).
    private (List<ToolPipelineEvent> Events, List<IReadOnlyList<ChatMessage>> Requests) Run(ToolPipelineMode mode, Func<IReadOnlyList<ChatMessage>, ScriptedResponse> script, ToolPermissions? permissions = null, IToolCallLedger? ledger = null)
    {
        var requests = new List<IReadOnlyList<ChatMessage>>();
        var model = new ScriptedChatClient(
            messages =>
            {
                requests.Add(messages);
                return script(messages);
            },
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(200), TokensPerSecond = 50 });
        var tools = new TestTools(_clock);
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(model)
            .WithTimeProvider(_clock)
            .Configure(o => o.TaskScheduler = _scheduler)
            .WithMode(mode)
            .WithPermissionPolicy(permissions ?? _permissions)
            .AddTool(tools.Computing("report", TimeSpan.FromMilliseconds(2000), a => $"REPORT-{a["topic"]}"), ToolEffects.ReadOnly)
            .AddTool(tools.Computing("lookup", TimeSpan.FromMilliseconds(100), a => $"item {a["id"]}"), ToolEffects.ReadOnly)
            .AddTool(tools.Computing("summarize", TimeSpan.FromMilliseconds(100), a => $"summary of {a["report"]}"), ToolEffects.ReadOnly);
        ToolPipeline pipeline = (ledger is null ? builder : builder.WithLedger(ledger)).Build();
        var events = new List<ToolPipelineEvent>();
        using ITimer revoke = _clock.CreateTimer(_ => _permissions.Revoke("report"), null, TimeSpan.FromMilliseconds(1000), Timeout.InfiniteTimeSpan);
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, "Prepare the Q3 review.")]))
            {
                events.Add(e);
            }
        });
        return (events, requests);
    }

    private static void AssertQuarantined(List<ToolPipelineEvent> events, string callId)
    {
        // Recorded: both checks, the event with the result and the refusal, and the call's end.
        Assert.Equal(
            [(ToolPermissionCheckpoint.Dispatch, true, "0"), (ToolPermissionCheckpoint.Result, false, "1")],
            events.OfType<ToolCallPermissionChecked>().Where(c => c.Call.CallId == callId).Select(c => (c.Checkpoint, c.Decision.Allowed, c.Decision.Revision)));
        ToolResultQuarantined quarantined = Assert.Single(events.OfType<ToolResultQuarantined>());
        Assert.Equal(callId, quarantined.Call.CallId);
        Assert.Equal(Secret, quarantined.Result);
        Assert.Equal("ToolPermissions", quarantined.Decision.Policy);
        ToolCallFailed failed = events.OfType<ToolCallFailed>().Single(f => f.Call.CallId == callId);
        Assert.Equal(ToolCallFailureKind.Quarantined, failed.Kind);
        Assert.DoesNotContain(events, e => e is ToolCallCompleted c && c.Call.CallId == callId);
    }

    [Fact]
    public void RunAsync_AwaitModeRevokedWhileTheCallRuns_NextTurnAndHistorySeeOnlyThatItWasWithheld()
    {
        static ScriptedResponse Script(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
        {
            1 => new ScriptedResponse().Text("Starting.").Call("report", """{"topic": "q3"}""").Call("lookup", """{"id": 7}"""),
            _ => new ScriptedResponse().Text($"Report: {ResultOf(messages, "call_t1_0")}"),
        };

        (List<ToolPipelineEvent> events, List<IReadOnlyList<ChatMessage>> requests) = Run(ToolPipelineMode.Await, Script);

        AssertQuarantined(events, "call_t1_0");
        Assert.Equal(2, requests.Count);
        Assert.False(Mentions(requests[1], Secret));
        Assert.StartsWith("Error: the result of 'report' was withheld because permission to use it was revoked", ResultOf(requests[1], "call_t1_0"), StringComparison.Ordinal);
        Assert.Equal("item 7", ResultOf(requests[1], "call_t1_1"));
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.False(Mentions(run.Messages, Secret));
    }

    [Fact]
    public async Task RunAsync_RevokedWhileTheCallRunsWithALedger_TheEntryKeepsTheResultQuarantinedAndBothDecisions()
    {
        static ScriptedResponse Script(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
        {
            1 => new ScriptedResponse().Text("Starting.").Call("report", """{"topic": "q3"}"""),
            _ => new ScriptedResponse().Text("Done."),
        };
        var ledger = new InMemoryToolCallLedger();

        (List<ToolPipelineEvent> events, _) = Run(ToolPipelineMode.Await, Script, ledger: ledger);

        AssertQuarantined(events, "call_t1_0");
        LedgerRunRecord record = Assert.Single(await ledger.ListRunsAsync(CancellationToken.None));
        LedgerRun? run = await ledger.ReadRunAsync(record.RunId, CancellationToken.None);
        ToolCallLedgerEntry entry = Assert.Single(run!.Calls);
        Assert.Equal((ToolCallLedgerOutcome.Failed, ToolCallFailureKind.Quarantined), (entry.Outcome, entry.FailureKind));
        Assert.Equal(new ToolPermissionDecision(true, "ToolPermissions", "0"), entry.PermissionAtDispatch);
        Assert.Equal((false, "1"), (entry.PermissionAtResult!.Allowed, entry.PermissionAtResult.Revision));

        // The withheld result is kept for audit, apart from what the model was told, which never holds it.
        Assert.Contains(Secret, entry.QuarantinedResultJson, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, entry.ResultJson ?? "", StringComparison.Ordinal);
        Assert.Equal(2, entry.ConsumedByTurn);
        Assert.DoesNotContain(Secret, run.Turns[^1].MessagesJson ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_FuturesModeRevokedWhileTheCallRuns_TheFutureArgumentFailsAndNoTurnSeesTheResult()
    {
        // Turn 2 starts while the report runs and passes its future to summarize; turn 3 awaits the summary.
        static ScriptedResponse Script(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
        {
            1 => new ScriptedResponse().Text("Starting the report.").Call("report", """{"topic": "q3"}""").Call("lookup", """{"id": 7}"""),
            2 => new ScriptedResponse().Text("Now the summary.").Call("summarize", """{"report": {"$future": "call_t1_0"}}"""),
            3 => new ScriptedResponse().Call(ToolFuture.AwaitToolName, """{"future": {"$future": "call_t2_0"}}"""),
            _ => new ScriptedResponse().Text($"Done: {ResultOf(messages, "call_t2_0")}"),
        };

        (List<ToolPipelineEvent> events, List<IReadOnlyList<ChatMessage>> requests) = Run(ToolPipelineMode.Futures, Script);

        AssertQuarantined(events, "call_t1_0");

        // The dependent failed instead of using the withheld value, and never ran.
        ToolCallFailed summarize = events.OfType<ToolCallFailed>().Single(f => f.Call.Name == "summarize");
        Assert.Equal(ToolCallFailureKind.DependencyFailed, summarize.Kind);
        Assert.DoesNotContain(events, e => e is ToolCallStarted s && s.Call.Name == "summarize");
        Assert.DoesNotContain(events, e => e is ToolCallCompleted c && c.Call.Name == ToolFuture.AwaitToolName);

        // No request and no message of the run ever held the result.
        Assert.All(requests, r => Assert.False(Mentions(r, Secret)));
        Assert.StartsWith("Error: the result of 'report' was withheld", ResultOf(requests[^1], "call_t1_0"), StringComparison.Ordinal);
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.False(Mentions(run.Messages, Secret));
        Assert.DoesNotContain(events, e => e is FutureResolved f && f.Call.CallId == "call_t1_0" && Mentions([new ChatMessage(ChatRole.Tool, [f.Result])], Secret));
    }

    [Fact]
    public void RunAsync_NotPermittedTool_IsDeniedAtDispatchAndNeverRuns()
    {
        static ScriptedResponse Script(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
        {
            1 => new ScriptedResponse().Call("lookup", """{"id": 7}"""),
            _ => new ScriptedResponse().Text($"Lookup: {ResultOf(messages, "call_t1_0")}"),
        };
        var permissions = new ToolPermissions(["report"]);

        (List<ToolPipelineEvent> events, List<IReadOnlyList<ChatMessage>> requests) = Run(ToolPipelineMode.Await, Script, permissions);

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.PermissionDenied, failed.Kind);
        Assert.DoesNotContain(events, e => e is ToolCallStarted);
        Assert.Equal(failed.ResultForModel, ResultOf(requests[1], "call_t1_0"));
        Assert.Contains("not permitted", failed.ResultForModel, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_PlanModeRevokedWhileAStepRuns_StepsReferringToItFailAndTheAnswerNeverSeesIt()
    {
        const string Plan = """
            1. search("secret")
            2. math("double it", ["$1"])
            3. join()<END_OF_PLAN>
            """;
        var speed = new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 100 };
        var planner = new ScriptedChatClient([new ScriptedResponse().Text(Plan)], speed);
        var answerRequests = new List<IReadOnlyList<ChatMessage>>();
        var answerer = new ScriptedChatClient(
            messages =>
            {
                answerRequests.Add(messages);
                return new ScriptedResponse().Text("The answer.");
            },
            speed);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(answerer).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler)
            .WithMode(ToolPipelineMode.Plan).Configure(o => o.Planner = planner)
            .WithPermissionPolicy(_permissions)
            .AddTool(new PositionalTool(_clock, "search", TimeSpan.FromMilliseconds(900)), ToolEffects.ReadOnly)
            .AddTool(new PositionalTool(_clock, "math", TimeSpan.FromMilliseconds(50)), ToolEffects.ReadOnly)
            .Build();
        var events = new List<ToolPipelineEvent>();
        using ITimer revoke = _clock.CreateTimer(_ => _permissions.Revoke("search"), null, TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, "What is twice the secret?")]))
            {
                events.Add(e);
            }
        });

        ToolResultQuarantined quarantined = Assert.Single(events.OfType<ToolResultQuarantined>());
        Assert.Equal("1", quarantined.Call.Label);
        Assert.Equal("search(secret)", quarantined.Result);
        Assert.Equal(ToolCallFailureKind.DependencyFailed, events.OfType<ToolCallFailed>().Single(f => f.Call.Label == "2").Kind);
        Assert.DoesNotContain(events, e => e is ToolCallStarted s && s.Call.Label == "2");
        Assert.All(answerRequests, r => Assert.False(Mentions(r, "search(secret)")));
        Assert.False(Mentions(Assert.IsType<RunCompleted>(events[^1]).Messages, "search(secret)"));
    }

    /// <summary>A plan tool with positional parameters p0..p1 that answers with its name and first argument.</summary>
    private sealed class PositionalTool(ManualTimeProvider clock, string name, TimeSpan latency) : AIFunction
    {
        private static readonly JsonElement s_schema = JsonElement.Parse("""{"type": "object", "properties": {"p0": {}, "p1": {}}}""");

        public override string Name => name;

        public override JsonElement JsonSchema => s_schema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
            return arguments.TryGetValue("p0", out object? value) && value is JsonElement { ValueKind: JsonValueKind.String } s ? $"{name}({s.GetString()})" : name;
        }
    }
}
