using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>Token budgets in the merge block, with the real o200k_base counter, on the manual clock and scheduler.</summary>
public sealed class ToolResultMergeBlockBudgetTests
{
    private const string Reference = "The full result is kept: pass {\"$future\": \"call_1_0\"} as an argument to another tool to give it the whole result.";

    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private ToolResultMergeBlockOptions Options(Action<ToolResultMergeBlockOptions>? configure = null)
    {
        var options = new ToolResultMergeBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, TokenCounter = BudgetTexts.Counter };
        configure?.Invoke(options);
        return options;
    }

    private (ToolResultMergeBlock Block, BlockStepper<ToolPipelineEvent> Stepper) Merge(ToolResultMergeBlockOptions options, params ToolDescriptor[] tools)
    {
        var block = new ToolResultMergeBlock(tools, options);
        return (block, new BlockStepper<ToolPipelineEvent>(block, _clock, _scheduler));
    }

    private static ResponseCompleted Response(int turn, params ToolCall[] calls)
    {
        var contents = new List<AIContent> { new TextContent($"turn {turn}") };
        contents.AddRange(calls.Select(c => new FunctionCallContent(c.CallId, c.Name, c.Arguments?.ToDictionary())));
        return new ResponseCompleted(new ChatMessage(ChatRole.Assistant, contents), calls, ChatFinishReason.ToolCalls, null, null) { Turn = turn };
    }

    private static ToolCallCompleted Completed(ToolCall call, object result) => new(call, result, TimeSpan.FromMilliseconds(10)) { Turn = call.Turn };

    private static string[] ResultsOf(TurnCompleted turn) => [.. turn.Messages[1].Contents.Cast<FunctionResultContent>().Select(r => (string)r.Result!)];

    [Fact]
    public void Post_ResultOverItsBudget_TrimmedBeforeItsCompletionAndTheTurnHoldsTheCut()
    {
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => o.MaxResultTokens = 4_000));
        ToolCall a = Call(0, "read_log", "{}");

        IReadOnlyList<ToolPipelineEvent> done = merge.Send(Completed(a, BudgetTexts.Log));
        IReadOnlyList<ToolPipelineEvent> turn = merge.Send(Response(1, a));

        ToolResultTrimmed trimmed = Assert.IsType<ToolResultTrimmed>(done[0]);
        Assert.Equal(["trimmed call_1_0 202801->" + trimmed.TokensAfter + "/4000 head-and-tail Tool", "completed call_1_0 " + System.Text.Json.JsonSerializer.Serialize(BudgetTexts.Log)], done.Select(Describe));
        Assert.InRange(trimmed.TokensAfter, 3_900, 4_000);
        ToolCallCompleted completed = Assert.IsType<ToolCallCompleted>(done[1]);
        Assert.Same(BudgetTexts.Log, completed.Result);
        Assert.Equal(trimmed.TokensAfter, BudgetTexts.Counter.CountTokens(completed.ResultForModel));
        Assert.Contains("\n[ToolFlow cut this result from 202,801 tokens to fit its budget of 4,000: kept the first 6,460 and the last 6,469 characters and cut the 656,507 characters between them here. " + Reference + "]\n", completed.ResultForModel, StringComparison.Ordinal);
        Assert.Equal([completed.ResultForModel!], ResultsOf(Assert.IsType<TurnCompleted>(turn[^1])));
    }

    [Fact]
    public void Post_NoBudget_NothingIsCounted()
    {
        var counter = new SpyCounter(BudgetTexts.Counter);
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => o.TokenCounter = counter));
        ToolCall a = Call(0, "read_log", "{}");

        IReadOnlyList<ToolPipelineEvent> done = merge.Send(Completed(a, BudgetTexts.Log));
        merge.Send(Response(1, a));

        Assert.Null(Assert.IsType<ToolCallCompleted>(Assert.Single(done)).ResultForModel);
        Assert.Equal(0, counter.Counts);
    }

    [Fact]
    public void Post_ResultOfFewerBytesThanItsBudget_PassesAtOnceUncounted()
    {
        var counter = new SpyCounter(BudgetTexts.Counter);
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => (o.TokenCounter, o.MaxResultTokens) = (counter, 4_000)));
        string small = BudgetTexts.Log[..3_900];
        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(small));

        Assert.Null(Assert.IsType<ToolCallCompleted>(Assert.Single(merge.Send(Completed(Call(0, "read_log", "{}"), small)))).ResultForModel);
        Assert.Null(Assert.IsType<ToolCallCompleted>(Assert.Single(merge.Send(Completed(Call(1, "read_log", "{}"), json.RootElement)))).ResultForModel);
        Assert.Equal(0, counter.Counts);

        // More bytes than the budget but fewer tokens: counted once, off the handler, and left whole.
        string medium = BudgetTexts.Log[..12_000];
        IReadOnlyList<ToolPipelineEvent> done = merge.Send(Completed(Call(2, "read_log", "{}"), medium));
        Assert.Null(Assert.IsType<ToolCallCompleted>(Assert.Single(done)).ResultForModel);
        Assert.Equal(1, counter.Counts);
    }

    [Fact]
    public void Post_ToolsOwnBudgetAndTrimmer_OnlyThatToolIsCounted()
    {
        var counter = new SpyCounter(BudgetTexts.Counter);
        var search = new ToolDescriptor(AIFunctionFactory.Create(() => "", "search_sensors"), ToolEffects.ReadOnly) { MaxResultTokens = 4_000, ResultTrimmer = ToolResultTrimmer.Json };
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => o.TokenCounter = counter), search);
        ToolCall other = Call(0, "read_log", "{}"), json = Call(1, "search_sensors", "{}");

        IReadOnlyList<ToolPipelineEvent> first = merge.Send(Completed(other, BudgetTexts.Log));
        Assert.Equal(0, counter.Counts);
        IReadOnlyList<ToolPipelineEvent> second = merge.Send(Completed(json, System.Text.Json.JsonDocument.Parse(BudgetTexts.Json).RootElement));

        Assert.Null(Assert.IsType<ToolCallCompleted>(Assert.Single(first)).ResultForModel);
        ToolResultTrimmed trimmed = Assert.IsType<ToolResultTrimmed>(second[0]);
        Assert.Equal(("json", 202_529, ToolResultTrimScope.Tool), (trimmed.Strategy, trimmed.TokensBefore, trimmed.Scope));
        Assert.EndsWith(
            "\n[ToolFlow cut this JSON result from 202,529 tokens to fit its budget of 4,000: dropped the last 6,079 of 6,200 items of $.items. The full result is kept: pass {\"$future\": \"call_1_1\"} as an argument to another tool to give it the whole result.]",
            Assert.IsType<ToolCallCompleted>(second[1]).ResultForModel,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Post_TurnOverItsBudget_SplitByWaterFillingInCallOrder()
    {
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => o.MaxTurnResultTokens = 4_000));
        ToolCall a = Call(0, "read_log", "{}"), b = Call(1, "read_log", "{}"), c = Call(2, "read_log", "{}"), d = Call(3, "broken", "{}");
        string small = BudgetTexts.Log[..300], middle = BudgetTexts.Log[..12_000];
        var failed = new ToolCallFailed(d, ToolCallFailureKind.ToolException, "it broke", "Error: it broke.", null, TimeSpan.Zero) { Turn = 1 };

        merge.Send(Completed(a, small));
        merge.Send(Completed(b, middle));
        merge.Send(Completed(c, BudgetTexts.Log));
        merge.Send(failed);
        IReadOnlyList<ToolPipelineEvent> turn = merge.Send(Response(1, a, b, c, d));

        int[] tokens = [.. new[] { small, middle, BudgetTexts.Log, "Error: it broke." }.Select(t => BudgetTexts.Counter.CountTokens(t))];
        int[] shares = TurnShares.Split(tokens, [true, true, true, false], 4_000);
        Assert.Equal(tokens[0], shares[0]);
        Assert.Equal(shares[1], shares[2]);
        Assert.Equal(
            [
                "response tool_calls calls call_1_0,call_1_1,call_1_2,call_1_3",
                $"trimmed call_1_1 {tokens[1]}->{((ToolResultTrimmed)turn[1]).TokensAfter}/{shares[1]} head-and-tail Turn",
                $"trimmed call_1_2 {tokens[2]}->{((ToolResultTrimmed)turn[2]).TokensAfter}/{shares[2]} head-and-tail Turn",
                "turn completed 1",
            ],
            turn.Select(Describe));
        string[] results = ResultsOf(Assert.IsType<TurnCompleted>(turn[^1]));
        Assert.Equal(small, results[0]);
        Assert.Equal("Error: it broke.", results[3]);
        Assert.True(results.Sum(r => BudgetTexts.Counter.CountTokens(r)) <= 4_000);
        Assert.StartsWith(middle[..100], results[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Post_FuturesMode_ResolvedFutureGetsTheSameBudget()
    {
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => (o.UseFutures, o.MaxResultTokens) = (true, 4_000)));
        ToolCall a = Call(0, "read_log", "{}");

        IReadOnlyList<ToolPipelineEvent> turn = merge.Send(Response(1, a));
        IReadOnlyList<ToolPipelineEvent> later = merge.Send(Completed(a, BudgetTexts.Log));

        Assert.Single(Assert.IsType<TurnCompleted>(turn[^1]).PendingFutures);
        Assert.Equal(["ToolResultTrimmed", "ToolCallCompleted", "FutureResolved"], later.Select(e => e.GetType().Name));
        FutureResolved resolved = Assert.IsType<FutureResolved>(later[2]);
        Assert.Equal(((ToolCallCompleted)later[1]).ResultForModel, resolved.Result.Result);
        Assert.True(BudgetTexts.Counter.CountTokens((string)resolved.Result.Result!) <= 4_000);
    }

    [Fact]
    public void Post_DelegateThrows_FallsBackToHeadAndTailWithADiagnostic()
    {
        ToolResultTrimmer broken = ToolResultTrimmer.FromDelegate("summary", (_, _) => throw new HttpRequestException("summarizer unavailable"));
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => (o.MaxResultTokens, o.ResultTrimmer) = (4_000, broken)));
        ToolCall a = Call(0, "read_log", "{}");

        IReadOnlyList<ToolPipelineEvent> done = merge.Send(Completed(a, BudgetTexts.Log));

        DiagnosticReported diagnostic = Assert.IsType<DiagnosticReported>(done[0]);
        Assert.Equal("toolflow.trim.failed", diagnostic.Code);
        Assert.Equal("The trimmer 'summary' failed on the result of 'read_log' (call_1_0): HttpRequestException: summarizer unavailable It was cut by head and tail instead.", diagnostic.Message);
        Assert.Equal("head-and-tail", Assert.IsType<ToolResultTrimmed>(done[1]).Strategy);
        ToolCallCompleted completed = Assert.IsType<ToolCallCompleted>(done[2]);
        Assert.Same(BudgetTexts.Log, completed.Result);
        Assert.True(BudgetTexts.Counter.CountTokens(completed.ResultForModel) <= 4_000);
    }

    [Fact]
    public void Post_DelegateNeverAnswers_GivenUpAtTrimTimeoutWhileOtherCallsGoOn()
    {
        var never = new TaskCompletionSource<string>();
        CancellationToken seen = default;
        ToolResultTrimmer slow = ToolResultTrimmer.FromDelegate("summary", (_, ct) =>
        {
            seen = ct;
            return new ValueTask<string>(never.Task);
        });
        var tools = new ToolDescriptor(AIFunctionFactory.Create(() => "", "read_log"), ToolEffects.ReadOnly) { MaxResultTokens = 4_000, ResultTrimmer = slow };
        (ToolResultMergeBlock block, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => o.TrimTimeout = TimeSpan.FromSeconds(5)), tools);
        ToolCall a = Call(0, "read_log", "{}"), b = Call(1, "lookup", "{}");

        Assert.Empty(merge.Send(Completed(a, BudgetTexts.Log)));

        // Another call's outcome is not held up by the slow cut.
        Assert.Equal(["completed call_1_1 \"ok\""], merge.Send(Completed(b, "ok")).Select(Describe));

        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            while (events.Count == 0 || events[^1] is not ToolCallCompleted)
            {
                events.Add(await block.ReceiveAsync());
            }
        });

        Assert.Equal(
            [
                (5_000d, "diagnostic toolflow.trim.timed_out"),
                (5_000d, $"trimmed call_1_0 202801->{((ToolResultTrimmed)events[1]).TokensAfter}/4000 head-and-tail Tool"),
                (5_000d, "completed call_1_0 " + System.Text.Json.JsonSerializer.Serialize(BudgetTexts.Log)),
            ],
            events.Timeline(_clock));
        Assert.Equal("The trimmer 'summary' did not answer within 5 s (TrimTimeout) for the result of 'read_log' (call_1_0); it was cut by head and tail instead.", ((DiagnosticReported)events[0]).Message);
        Assert.True(seen.IsCancellationRequested);
    }

    [Fact]
    public void Complete_WhileACutIsUnderWay_TheOutcomeStillComesOut()
    {
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        ToolResultTrimmer held = ToolResultTrimmer.FromDelegate("summary", (_, _) => new ValueTask<string>(release.Task));
        (_, BlockStepper<ToolPipelineEvent> merge) = Merge(Options(o => (o.MaxResultTokens, o.ResultTrimmer) = (4_000, held)));
        ToolCall a = Call(0, "read_log", "{}");
        Assert.Empty(merge.Send(Completed(a, BudgetTexts.Log)));

        release.SetResult("A summary.");
        IReadOnlyList<ToolPipelineEvent> rest = merge.Complete();

        Assert.Equal(["ToolResultTrimmed", "ToolCallCompleted"], rest.Select(e => e.GetType().Name));
        Assert.StartsWith("A summary.\n[ToolFlow replaced this result of 202,801 tokens", ((ToolCallCompleted)rest[1]).ResultForModel, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_InvalidBudgets_Rejected()
    {
        var options = new ToolResultMergeBlockOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxResultTokens = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxResultTokens = ToolResultMergeBlockOptions.MinimumResultTokens - 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxTurnResultTokens = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.TrimTimeout = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentNullException>(() => options.ResultTrimmer = null!);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolDescriptor(AIFunctionFactory.Create(() => "", "t")) { MaxResultTokens = -5 });
        options.MaxResultTokens = ToolResultMergeBlockOptions.MinimumResultTokens;
        Assert.Equal(200, options.MaxResultTokens);

        // A budget needs a counter.
        ArgumentException e = Assert.Throws<ArgumentException>(() => new ToolResultMergeBlock(new ToolResultMergeBlockOptions { MaxResultTokens = 4_000 }));
        Assert.StartsWith("A result budget is set but no TokenCounter to count it with.", e.Message, StringComparison.Ordinal);
    }
}
