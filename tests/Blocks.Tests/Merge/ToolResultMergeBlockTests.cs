using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolResultMergeBlockTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly ToolResultMergeBlock _block;
    private readonly BlockStepper<ToolPipelineEvent> _merge;

    public ToolResultMergeBlockTests()
    {
        _block = new ToolResultMergeBlock(new ToolBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler });
        _merge = new BlockStepper<ToolPipelineEvent>(_block, _clock, _scheduler);
    }

    private static ResponseCompleted Response(int turn, params ToolCall[] calls)
    {
        var contents = new List<AIContent> { new TextContent($"turn {turn}") };
        contents.AddRange(calls.Select(c => new FunctionCallContent(c.CallId, c.Name, c.Arguments?.ToDictionary())));
        return new ResponseCompleted(new ChatMessage(ChatRole.Assistant, contents), calls, calls.Length > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop, null, null) { Turn = turn };
    }

    private static ToolCallCompleted Completed(ToolCall call, string result) => new(call, result, TimeSpan.FromMilliseconds(10)) { Turn = call.Turn };

    private static ToolCallFailed Failed(ToolCall call) =>
        new(call, ToolCallFailureKind.ToolException, "it broke", "Error: it broke.", new InvalidOperationException("it broke"), TimeSpan.Zero) { Turn = call.Turn };

    [Fact]
    public void Post_AnyEvents_SequenceIsStrictlyIncreasingFromOne()
    {
        ToolCall a = Call(0, "a", "{}");
        ToolPipelineEvent[] input =
        [
            new TurnStarted([]) { Turn = 1, Sequence = 42 },
            new TextDelta("hi") { Turn = 1, Sequence = 42 },
            new ToolCallClosed(a) { Turn = 1 },
            new ToolCallStarted(a) { Turn = 1 },
            Completed(a, "A"),
            new DiagnosticReported("x", "y") { Turn = 1, Sequence = -5 },
            Response(1, a),
        ];

        List<ToolPipelineEvent> output = [.. input.SelectMany(_merge.Send)];

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), output.Select(e => e.Sequence));
        Assert.IsType<TurnCompleted>(output[^1]);
        Assert.Equal(8, _block.LastSequence);

        // Apart from the number and the time it was stamped with, each event is the one that came in.
        Assert.Equal(input, output.Take(7).Select((e, i) => e with { Sequence = input[i].Sequence, Timestamp = default }));
    }

    [Fact]
    public void Post_OutcomesInAnotherOrder_TurnCompletedWaitsForEveryCallAndOrdersResultsByCallIndex()
    {
        ToolCall a = Call(0, "a", "{}"), b = Call(1, "b", "{}"), c = Call(2, "c", "{}");
        ResponseCompleted response = Response(1, a, b, c);

        // c finishes mid-decode, the response ends, then a fails and b completes: completion order c, a, b.
        var steps = new List<(double Ms, string Out)>();
        var output = new List<ToolPipelineEvent>();
        void Step(double ms, ToolPipelineEvent e)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(ms) - _clock.Elapsed);
            IReadOnlyList<ToolPipelineEvent> produced = _merge.Send(e);
            output.AddRange(produced);
            steps.Add((ms, string.Join(" | ", produced.Select(Describe))));
        }

        Step(100, Completed(c, "C"));
        Step(200, response);
        Step(300, Failed(a));
        Step(450, Completed(b, "B"));

        Assert.Equal(
            [
                (100d, "completed call_1_2 \"C\""),
                (200d, "response tool_calls calls call_1_0,call_1_1,call_1_2"),
                (300d, "failed call_1_0 ToolException"),
                (450d, "completed call_1_1 \"B\" | turn completed 1"),
            ],
            steps);

        TurnCompleted turn = Assert.IsType<TurnCompleted>(Assert.Single(output, e => e is TurnCompleted));
        Assert.Equal(450, turn.Ms(_clock));
        Assert.Same(response, turn.Response);
        Assert.True(turn.HasToolCalls);
        Assert.Equal(2, turn.Messages.Count);
        Assert.Same(response.Message, turn.Messages[0]);
        ChatMessage results = turn.Messages[1];
        Assert.Equal(ChatRole.Tool, results.Role);
        FunctionResultContent[] contents = [.. results.Contents.Cast<FunctionResultContent>()];
        Assert.Equal(["call_1_0", "call_1_1", "call_1_2"], contents.Select(r => r.CallId));
        Assert.Equal(["Error: it broke.", "B", "C"], contents.Select(r => r.Result));
        Assert.IsType<InvalidOperationException>(contents[0].Exception);
        Assert.Null(contents[1].Exception);
    }

    [Fact]
    public void Post_ResponseWithoutCalls_TurnCompletedFollowsAtOnceWithOnlyTheAssistantMessage()
    {
        ResponseCompleted response = Response(1);

        IReadOnlyList<ToolPipelineEvent> output = _merge.Send(response);

        Assert.Equal(["response stop calls ", "turn completed 1"], output.Select(Describe));
        TurnCompleted turn = Assert.IsType<TurnCompleted>(output[1]);
        Assert.False(turn.HasToolCalls);
        Assert.Same(response.Message, Assert.Single(turn.Messages));
    }

    [Fact]
    public void Post_ResponseWithAnError_TurnCompletedStillCloses()
    {
        ToolCall a = Call(0, "a", "{}");
        ResponseCompleted response = Response(1, a) with { Error = new IOException("cut"), FinishReason = null };

        _merge.Send(Failed(a));
        IReadOnlyList<ToolPipelineEvent> output = _merge.Send(response);

        TurnCompleted turn = Assert.IsType<TurnCompleted>(output[^1]);
        Assert.IsType<IOException>(turn.Response.Error);
        Assert.Equal("Error: it broke.", Assert.IsType<FunctionResultContent>(Assert.Single(turn.Messages[1].Contents)).Result);
    }

    [Fact]
    public void Post_TwoTurns_EachTurnGetsOnlyItsOwnResults()
    {
        ToolCall first = Call(0, "a", "{}", turn: 1), second = Call(0, "a", "{}", turn: 2);

        _merge.Send(Completed(first, "one"));
        TurnCompleted turn1 = Assert.IsType<TurnCompleted>(_merge.Send(Response(1, first))[^1]);
        _merge.Send(Response(2, second));
        IReadOnlyList<ToolPipelineEvent> beforeOutcome = _merge.Take();
        TurnCompleted turn2 = Assert.IsType<TurnCompleted>(_merge.Send(Completed(second, "two"))[^1]);

        Assert.Empty(beforeOutcome);
        Assert.Equal((1, "one"), (turn1.Turn, Assert.IsType<FunctionResultContent>(Assert.Single(turn1.Messages[1].Contents)).Result));
        Assert.Equal((2, "two"), (turn2.Turn, Assert.IsType<FunctionResultContent>(Assert.Single(turn2.Messages[1].Contents)).Result));
        Assert.Equal("call_2_0", turn2.Response.Calls[0].CallId);
    }

    [Fact]
    public void Post_NextResponseBeforeTheLastTurnsToolsFinish_BothTurnsComplete()
    {
        // A mesh may stream the next request (another conversation, say) while the last one's tools still run.
        ToolCall slow = Call(0, "slow", "{}", turn: 1);

        IReadOnlyList<ToolPipelineEvent> first = _merge.Send(Response(1, slow));
        IReadOnlyList<ToolPipelineEvent> second = _merge.Send(Response(2));
        IReadOnlyList<ToolPipelineEvent> outcome = _merge.Send(Completed(slow, "done"));

        Assert.Equal(["response tool_calls calls call_1_0"], first.Select(Describe));
        Assert.Equal(["response stop calls ", "turn completed 2"], second.Select(Describe));
        Assert.Equal(["completed call_1_0 \"done\"", "turn completed 1"], outcome.Select(Describe));
        TurnCompleted turn1 = Assert.IsType<TurnCompleted>(outcome[^1]);
        Assert.Equal("done", Assert.IsType<FunctionResultContent>(Assert.Single(turn1.Messages[1].Contents)).Result);
    }

    [Fact]
    public void Post_OutcomeForACallOfNoResponse_NeverCompletesATurn()
    {
        ToolCall stray = Call(5, "a", "{}");

        IReadOnlyList<ToolPipelineEvent> output = _merge.Send(Completed(stray, "lost"));

        Assert.Equal(["completed call_1_5 \"lost\""], output.Select(Describe));
    }

    [Fact]
    public void Post_EventWithATimestamp_KeepsIt()
    {
        DateTimeOffset then = _clock.Epoch.AddMinutes(3);
        _clock.Advance(TimeSpan.FromMinutes(5));

        ToolPipelineEvent stamped = Assert.Single(_merge.Send(new TextDelta("x") { Timestamp = then, Turn = 1 }));
        ToolPipelineEvent unstamped = Assert.Single(_merge.Send(new TextDelta("y") { Turn = 1 }));

        Assert.Equal(then, stamped.Timestamp);
        Assert.Equal(_clock.Epoch.AddMinutes(5), unstamped.Timestamp);
    }

    private BlockStepper<ToolPipelineEvent> FuturesMerge() =>
        new(new ToolResultMergeBlock(new ToolResultMergeBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, UseFutures = true }), _clock, _scheduler);

    private static string DescribeWithFutures(ToolPipelineEvent e) => e is FutureResolved f ? $"future resolved {f.Call.CallId} {f.Result.Result}" : Describe(e);

    [Fact]
    public void Post_FuturesMode_TurnWaitsOnlyForAwaitFutureAndRunningCallsBecomeFutures()
    {
        BlockStepper<ToolPipelineEvent> merge = FuturesMerge();
        ToolCall a = Call(0, "a", "{}"), b = Call(1, "b", "{}"), c = Call(2, "c", "{}"), wait = Call(3, ToolFuture.AwaitToolName, "{}");

        IReadOnlyList<ToolPipelineEvent> done = merge.Send(Completed(a, "A"));
        IReadOnlyList<ToolPipelineEvent> response = merge.Send(Response(1, a, b, c, wait));
        IReadOnlyList<ToolPipelineEvent> whileWaiting = merge.Send(Completed(c, "C"));
        IReadOnlyList<ToolPipelineEvent> awaited = merge.Send(Completed(wait, "W"));
        IReadOnlyList<ToolPipelineEvent> late = merge.Send(Completed(b, "B"));

        Assert.Equal(["completed call_1_0 \"A\""], done.Select(DescribeWithFutures));
        Assert.Equal(["response tool_calls calls call_1_0,call_1_1,call_1_2,call_1_3"], response.Select(DescribeWithFutures));
        Assert.Equal(["completed call_1_2 \"C\""], whileWaiting.Select(DescribeWithFutures));
        Assert.Equal(["completed call_1_3 \"W\"", "turn completed 1"], awaited.Select(DescribeWithFutures));
        Assert.Equal(["completed call_1_1 \"B\"", "future resolved call_1_1 B"], late.Select(DescribeWithFutures));

        // What ended before the turn did is a value; only b, still running then, is a future.
        TurnCompleted turn = Assert.IsType<TurnCompleted>(awaited[^1]);
        Assert.Equal(["call_1_1"], turn.PendingFutures);
        object?[] results = [.. turn.Messages[1].Contents.Cast<FunctionResultContent>().Select(r => r.Result)];
        Assert.Equal(["A", ToolFuture.Placeholder(b), "C", "W"], results);
    }

    [Fact]
    public void Post_FuturesModeTwoCallsStillRunning_EachResolvesItsOwnFutureInCompletionOrder()
    {
        BlockStepper<ToolPipelineEvent> merge = FuturesMerge();
        ToolCall a = Call(0, "a", "{}"), b = Call(1, "b", "{}");

        IReadOnlyList<ToolPipelineEvent> response = merge.Send(Response(1, a, b));
        IReadOnlyList<ToolPipelineEvent> second = merge.Send(Failed(b));
        IReadOnlyList<ToolPipelineEvent> first = merge.Send(Completed(a, "A"));

        Assert.Equal(["response tool_calls calls call_1_0,call_1_1", "turn completed 1"], response.Select(DescribeWithFutures));
        Assert.Equal(["call_1_0", "call_1_1"], Assert.IsType<TurnCompleted>(response[^1]).PendingFutures);
        Assert.Equal(["failed call_1_1 ToolException", "future resolved call_1_1 Error: it broke."], second.Select(DescribeWithFutures));
        Assert.Equal(["completed call_1_0 \"A\"", "future resolved call_1_0 A"], first.Select(DescribeWithFutures));
        Assert.IsType<InvalidOperationException>(Assert.IsType<FutureResolved>(second[^1]).Result.Exception);
    }

    [Fact]
    public void Complete_AfterTheTurn_CompletesWithNothingLeft()
    {
        _merge.Send(Response(1));

        Assert.Empty(_merge.Complete());
        Assert.Equal(2, _block.LastSequence);
    }
}
