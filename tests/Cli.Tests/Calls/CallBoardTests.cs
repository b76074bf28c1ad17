using ToolFlow.Blocks;
using ToolFlow.Cli.Calls;
using static ToolFlow.Cli.Tests.Calls.Events;

namespace ToolFlow.Cli.Tests.Calls;

public sealed class CallBoardTests
{
    private static ToolCall Call(string id, string name = "calc", string arguments = "{\"x\":1}") =>
        new(id, name, 0, 1, null, arguments);

    private static (CallBoard Board, List<(CallState State, CallChange Change)> Steps) Fold(params ToolPipelineEvent[] events)
    {
        var board = new CallBoard();
        var steps = new List<(CallState, CallChange)>();
        foreach (ToolPipelineEvent e in events)
        {
            if (board.Apply(e, out CallChange change) is { } row)
            {
                steps.Add((row.State, change));
            }
        }

        return (board, steps);
    }

    [Fact]
    public void Apply_CallThatStreamsRunsAndReturns_GoesDetectedRunningDone()
    {
        ToolCall call = Call("c1");
        (CallBoard board, var steps) = Fold(
            At(0, new TextDelta("Hi")),
            At(10, new ToolCallDetected("c1", "calc", 0)),
            At(11, new ToolArgumentsDelta("c1", 0, "{\"x\":")),
            At(12, new ToolArgumentsDelta("c1", 0, "1}")),
            At(20, new ToolCallClosed(call)),
            At(20, new ToolCallStarted(call)),
            At(70, new ToolCallCompleted(call, "42", TimeSpan.FromMilliseconds(50))));

        Assert.Equal(
            [(CallState.Detected, CallChange.State), (CallState.Detected, CallChange.Arguments), (CallState.Detected, CallChange.Arguments),
             (CallState.Detected, CallChange.Closed), (CallState.Running, CallChange.State), (CallState.Done, CallChange.State)],
            steps);
        CallRow row = Assert.Single(board.Rows);
        Assert.Equal((1, "c1", "calc"), (row.Number, row.CallId, row.Name));
        Assert.Equal("{\"x\":1}", row.Arguments);
        Assert.True(row.ArgumentsComplete);
        Assert.Equal(TimeSpan.FromMilliseconds(20), row.ClosedAt);
        Assert.Equal(TimeSpan.FromMilliseconds(20), row.StartedAt);
        Assert.Equal(TimeSpan.FromMilliseconds(50), row.Duration);
        Assert.Equal("42", row.Result);
    }

    [Fact]
    public void Apply_ArgumentsStreaming_RowShowsThemBeforeTheCallCloses()
    {
        var board = new CallBoard();
        board.Apply(At(0, new ToolCallDetected("c1", "calc", 0)), out _);
        board.Apply(At(1, new ToolArgumentsDelta("c1", 0, "{\"expr")), out _);

        CallRow row = Assert.Single(board.Rows);
        Assert.Equal(CallState.Detected, row.State);
        Assert.False(row.ArgumentsComplete);
        Assert.Equal("{\"expr", row.Arguments);
    }

    [Fact]
    public void Apply_ArgumentsLongerThanTheLimit_KeepsMaxTextKept()
    {
        var board = new CallBoard();
        board.Apply(At(0, new ToolCallDetected("c1", "calc", 0)), out _);
        board.Apply(At(1, new ToolArgumentsDelta("c1", 0, new string('a', CallRow.MaxTextKept - 1))), out _);
        board.Apply(At(2, new ToolArgumentsDelta("c1", 0, "bcd")), out _);

        Assert.Equal(CallRow.MaxTextKept, board.Rows[0].Arguments.Length);
        Assert.EndsWith("ab", board.Rows[0].Arguments, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ToolCallWaitReason.Dependencies)]
    [InlineData(ToolCallWaitReason.ResponseEnd)]
    [InlineData(ToolCallWaitReason.Approval)]
    public void Apply_Waiting_RecordsTheReasonThenRuns(ToolCallWaitReason reason)
    {
        ToolCall first = Call("c1");
        ToolCall second = Call("c2", "fetch");
        (CallBoard board, var steps) = Fold(
            At(0, new ToolCallDetected("c1", "calc", 0)),
            At(1, new ToolCallClosed(first)),
            At(2, new ToolCallDetected("c2", "fetch", 1)),
            At(3, new ToolCallClosed(second)),
            At(3, new ToolCallWaiting(second, reason, reason == ToolCallWaitReason.Dependencies ? "c1, c9" : null)));

        CallRow row = board.Rows[1];
        Assert.Equal((CallState.Waiting, CallChange.State), steps[^1]);
        Assert.Equal(reason, row.WaitReason);
        Assert.Equal(reason == ToolCallWaitReason.Dependencies ? ["#1", "c9"] : [], row.WaitingOn);

        board.Apply(At(9, new ToolCallStarted(second)), out _);
        Assert.Equal(CallState.Running, row.State);
        Assert.Equal(TimeSpan.FromMilliseconds(9), row.StartedAt);
    }

    [Fact]
    public void Apply_CancelledWhileWaitingForApproval_IsCancelledWithNoDuration()
    {
        ToolCall call = Call("c1", "delete_file");
        (CallBoard board, var steps) = Fold(
            At(0, new ToolCallDetected("c1", "delete_file", 0)),
            At(1, new ToolCallClosed(call)),
            At(1, new ToolCallWaiting(call, ToolCallWaitReason.Approval, null)),
            At(1, new ToolCallApprovalRequested(call)),
            At(5, new ToolCallFailed(call, ToolCallFailureKind.Cancelled, "The call to 'delete_file' was cancelled: by the caller", "Error", null, null)));

        // The approval request repeats what the wait said: no second change.
        Assert.Equal([CallState.Detected, CallState.Detected, CallState.Waiting, CallState.Cancelled], steps.Select(s => s.State));
        CallRow row = Assert.Single(board.Rows);
        Assert.Equal(CallState.Cancelled, row.State);
        Assert.Equal(ToolCallFailureKind.Cancelled, row.FailureKind);
        Assert.Null(row.Duration);
        Assert.Null(row.StartedAt);
        Assert.Contains("by the caller", row.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_FailsAfterARetry_CountsTheAttemptsAndFails()
    {
        ToolCall call = Call("c1", "fetch");
        var timeout = new TimeoutException("took too long");
        (CallBoard board, var steps) = Fold(
            At(0, new ToolCallClosed(call)),
            At(0, new ToolCallStarted(call)),
            At(100, new ToolCallRetrying(call, 1, TimeSpan.FromMilliseconds(20), new InvalidOperationException("503 from upstream"))),
            At(220, new ToolCallFailed(call, ToolCallFailureKind.ToolException, "The tool 'fetch' failed: boom", "Error", timeout, TimeSpan.FromMilliseconds(220))));

        Assert.Equal([CallState.Detected, CallState.Running, CallState.Running, CallState.Failed], steps.Select(s => s.State));
        CallRow row = Assert.Single(board.Rows);
        Assert.Equal(2, row.Attempt);
        Assert.Equal("503 from upstream", row.RetryError);
        Assert.Equal(TimeSpan.FromMilliseconds(220), row.Duration);
        Assert.Equal(ToolCallFailureKind.ToolException, row.FailureKind);
    }

    [Fact]
    public void Apply_Deduplicated_WaitsForTheOriginalThenIsDoneWithItsResult()
    {
        ToolCall original = Call("c1");
        ToolCall duplicate = Call("c2");
        (CallBoard board, var steps) = Fold(
            At(0, new ToolCallClosed(original)),
            At(0, new ToolCallStarted(original)),
            At(5, new ToolCallClosed(duplicate)),
            At(5, new ToolCallDeduplicated(duplicate, "c1")),
            At(50, new ToolCallCompleted(original, 7, TimeSpan.FromMilliseconds(50))),
            At(50, new ToolCallCompleted(duplicate, 7, TimeSpan.FromMilliseconds(45))));

        CallRow row = board.Rows[1];
        Assert.Equal([CallState.Detected, CallState.Waiting, CallState.Done], steps.Where((_, i) => i is 2 or 3 or 5).Select(s => s.State));
        Assert.Same(board.Rows[0], row.DuplicateOf);
        Assert.Null(row.WaitReason);
        Assert.Null(row.StartedAt);
        Assert.Equal("7", row.Result);
    }

    [Fact]
    public void Apply_CancelledWhileRunningThenALateResult_StaysCancelledAndKeepsTheStaleResult()
    {
        ToolCall call = Call("c1", "search");
        (CallBoard board, var steps) = Fold(
            At(0, new ToolCallStarted(call)),
            At(30, new ToolCallFailed(call, ToolCallFailureKind.Cancelled, "cancelled: by the caller", "Error", null, TimeSpan.FromMilliseconds(30))),
            At(80, new ToolResultDiscarded(call, "late hits")));

        Assert.Equal([CallState.Running, CallState.Cancelled, CallState.Cancelled], steps.Select(s => s.State));
        CallRow row = Assert.Single(board.Rows);
        Assert.Equal("late hits", row.DiscardedResult);
        Assert.Equal(TimeSpan.FromMilliseconds(30), row.Duration);
    }

    [Theory]
    [InlineData(ToolCallFailureKind.Cancelled, true)]
    [InlineData(ToolCallFailureKind.Discarded, true)]
    [InlineData(ToolCallFailureKind.Rejected, true)]
    [InlineData(ToolCallFailureKind.ToolException, false)]
    [InlineData(ToolCallFailureKind.UnknownTool, false)]
    [InlineData(ToolCallFailureKind.InvalidArguments, false)]
    [InlineData(ToolCallFailureKind.DependencyFailed, false)]
    [InlineData(ToolCallFailureKind.UnresolvedReference, false)]
    [InlineData(ToolCallFailureKind.TimedOut, false)]
    [InlineData(ToolCallFailureKind.CircuitOpen, false)]
    public void StateOf_EveryFailureKind_IsFailedOrCancelled(ToolCallFailureKind kind, bool cancelled) =>
        Assert.Equal(cancelled ? CallState.Cancelled : CallState.Failed, CallBoard.StateOf(kind));

    [Fact]
    public void Apply_EventsOfNoCall_ChangeNothing()
    {
        var board = new CallBoard();

        Assert.Null(board.Apply(At(0, new TextDelta("x")), out _));
        Assert.Null(board.Apply(At(0, new ToolArgumentsDelta("unknown", 0, "{")), out _));
        Assert.Null(board.Apply(At(0, new DiagnosticReported("code", "message")), out _));
        Assert.Empty(board.Rows);
    }

    [Fact]
    public void Apply_ArgumentsDeltaAfterTheCallClosed_IsIgnored()
    {
        ToolCall call = Call("c1", arguments: "{}");
        var board = new CallBoard();
        board.Apply(At(0, new ToolCallClosed(call)), out _);

        Assert.Null(board.Apply(At(1, new ToolArgumentsDelta("c1", 0, "junk")), out _));
        Assert.Equal("{}", board.Rows[0].Arguments);
    }

    [Fact]
    public void ReportProgress_RunningCall_SetsItsProgress_OtherwiseIgnored()
    {
        ToolCall call = Call("c1");
        var board = new CallBoard();
        board.Apply(At(0, new ToolCallClosed(call)), out _);
        Assert.Null(board.ReportProgress("c1", new CallProgress(0.5, null)));

        board.Apply(At(1, new ToolCallStarted(call)), out _);
        CallRow? row = board.ReportProgress("c1", new CallProgress(0.4, "page 2 of 5"));

        Assert.NotNull(row);
        Assert.Equal(new CallProgress(0.4, "page 2 of 5"), row.Progress);
        Assert.Null(board.ReportProgress("nope", new CallProgress(0.1, null)));
    }

    [Fact]
    public void Apply_ToolCallProgressed_SetsTheRunningCallsProgress_AfterItEndsChangesNothing()
    {
        ToolCall call = Call("c1");
        var board = new CallBoard();
        board.Apply(At(0, new ToolCallClosed(call)), out _);
        board.Apply(At(1, new ToolCallStarted(call)), out _);

        CallProgress? withTotal = board.Apply(At(2, new ToolCallProgressed(call, 3, 4, "page 3 of 4")), out CallChange change)?.Progress;
        CallProgress? noTotal = board.Apply(At(3, new ToolCallProgressed(call, 7, null, "7 pages")), out _)?.Progress;
        board.Apply(At(4, new ToolCallCompleted(call, "ok", TimeSpan.FromMilliseconds(3))), out _);
        CallRow? late = board.Apply(At(5, new ToolCallProgressed(call, 4, 4, null)), out _);

        Assert.Equal(CallChange.Progress, change);
        Assert.Equal(new CallProgress(0.75, "page 3 of 4"), withTotal);
        Assert.Equal(new CallProgress(null, "7 pages"), noTotal);
        Assert.Null(late);
        Assert.Equal(CallState.Done, board.Rows[0].State);
    }

    [Fact]
    public void Apply_SubAgentEvents_ShowAsTheParentCallsProgressInWords_DeltasChangeNothing()
    {
        ToolCall parent = Call("p1", "researcher");
        ToolCall inner = Call("c1", "search");
        var board = new CallBoard();
        board.Apply(At(0, new ToolCallClosed(parent)), out _);
        board.Apply(At(1, new ToolCallStarted(parent)), out _);

        CallProgress? started = board.Apply(At(2, new SubAgentEvent(parent, "researcher", new ToolCallStarted(inner))), out CallChange change)?.Progress;
        CallRow? delta = board.Apply(At(3, new SubAgentEvent(parent, "researcher", new TextDelta("..."))), out _);
        CallProgress? nested = board.Apply(At(4, new SubAgentEvent(parent, "researcher", new SubAgentEvent(Call("c2", "fetcher"), "fetcher", new ToolCallCompleted(Call("g1", "get"), "ok", TimeSpan.Zero)))), out _)?.Progress;

        Assert.Equal(CallChange.Progress, change);
        Assert.Equal(new CallProgress(null, "search running"), started);
        Assert.Null(delta);
        Assert.Equal(new CallProgress(null, "fetcher › get done"), nested);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("text", "text")]
    [InlineData(42, "42")]
    public void TextOf_Results_AreText(object? result, string? expected) => Assert.Equal(expected, CallBoard.TextOf(result));

    [Fact]
    public void TextOf_LongResult_IsCutToMaxTextKept() =>
        Assert.Equal(CallRow.MaxTextKept, CallBoard.TextOf(new string('r', CallRow.MaxTextKept + 10))!.Length);
}
