using ToolFlow.Blocks;
using ToolFlow.Cli.Calls;
using static ToolFlow.Cli.Tests.Calls.Events;

namespace ToolFlow.Cli.Tests.Calls;

public sealed class CallRendererTests
{
    private static CallBoard Board(params ToolPipelineEvent[] events)
    {
        var board = new CallBoard();
        foreach (ToolPipelineEvent e in events)
        {
            board.Apply(e, out _);
        }

        return board;
    }

    [Fact]
    public void Line_EveryState_SaysItsWordAndDetail()
    {
        ToolCall a = new("a", "calc", 0, 1, null, "{\"e\":\"1+1\"}");
        ToolCall b = new("b", "fetch", 1, 1, null, "{}");
        ToolCall c = new("c", "send", 2, 1, null, "{}");
        ToolCall d = new("d", "calc", 3, 1, null, "{\"e\":\"1+1\"}");
        ToolCall e = new("e", "search", 4, 1, null, "{}");
        ToolCall f = new("f", "rm", 5, 1, null, "{}");
        CallBoard board = Board(
            At(0, new ToolCallDetected("a", "calc", 0)),
            At(1, new ToolCallClosed(b)),
            At(1, new ToolCallWaiting(b, ToolCallWaitReason.Dependencies, "a")),
            At(2, new ToolCallClosed(c)),
            At(2, new ToolCallWaiting(c, ToolCallWaitReason.ResponseEnd, null)),
            At(3, new ToolCallDeduplicated(d, "a")),
            At(4, new ToolCallStarted(e)),
            At(5, new ToolCallRetrying(e, 1, TimeSpan.Zero, new InvalidOperationException("flaky"))),
            At(6, new ToolCallWaiting(f, ToolCallWaitReason.Approval, null)));

        string[] lines = [.. board.Rows.Select(CallRenderer.Line)];

        Assert.Equal(
            [
                "[calc #1] detected",
                "[fetch #2] waiting for the calls it depends on (#1)",
                "[send #3] waiting for the response to end cleanly (the tool has side effects)",
                "[calc #4] waiting for the identical call #1, which runs once for both",
                "[search #5] running (attempt 2; the last failed: flaky)",
                "[rm #6] waiting for an approval",
            ],
            lines);

        board.Apply(At(10, new ToolCallCompleted(a, "2", TimeSpan.FromMilliseconds(9))), out _);
        board.Apply(At(11, new ToolCallFailed(e, ToolCallFailureKind.TimedOut, "timed out", "Error", null, TimeSpan.FromMilliseconds(7))), out _);
        board.Apply(At(12, new ToolCallFailed(f, ToolCallFailureKind.Rejected, "not approved", "Error", null, null)), out _);
        board.Apply(At(13, new ToolCallFailed(c, ToolCallFailureKind.Cancelled, "by the caller", "Error", null, TimeSpan.FromMilliseconds(1))), out _);
        board.Apply(At(14, new ToolResultDiscarded(c, "late")), out _);

        Assert.Equal("[calc #1] done in 9 ms: 2", CallRenderer.Line(board.Rows[0]));
        Assert.Equal("[search #5] failed (TimedOut) after 7 ms: timed out", CallRenderer.Line(board.Rows[4]));
        Assert.Equal("[rm #6] cancelled (Rejected): not approved", CallRenderer.Line(board.Rows[5]));
        Assert.Equal("[send #3] cancelled: by the caller; a late result was discarded: late", CallRenderer.Line(board.Rows[2]));
    }

    [Fact]
    public void Line_WaitReasonTheRendererDoesNotKnow_NamesIt()
    {
        ToolCall call = new("a", "calc", 0, 1, null, "{}");
        CallBoard board = Board(At(0, new ToolCallWaiting(call, (ToolCallWaitReason)42, null)));

        Assert.Equal("[calc #1] waiting for 42", CallRenderer.Line(board.Rows[0]));
    }

    [Fact]
    public void Line_DoneWithALongResult_IsCutToThePreviewLength()
    {
        ToolCall call = new("a", "calc", 0, 1, null, "{}");
        CallBoard board = Board(At(0, new ToolCallCompleted(call, new string('x', 1000), TimeSpan.Zero)));

        string line = CallRenderer.Line(board.Rows[0]);

        Assert.EndsWith(new string('x', CallRenderer.PreviewLength - 3) + "...", line, StringComparison.Ordinal);
        Assert.Equal("[calc #1] done in 0 ms: ".Length + CallRenderer.PreviewLength, line.Length);
    }

    [Fact]
    public void Line_ControlCharactersFromModelToolAndServer_AreNeutralised()
    {
        string name = "evil\u001b]0;pwned\u0007";
        ToolCall a = new("a", name, 0, 1, null, "{\"q\":\"\u001b[2J\"}");
        ToolCall b = new("b", "ok", 1, 1, null, "{}");
        CallBoard board = Board(
            At(0, new ToolCallDetected("a", name, 0)),
            At(0, new ToolCallClosed(a)),
            At(1, new ToolCallCompleted(a, "\u001b[31mred\u001b[0m\r\nnext", TimeSpan.Zero)),
            At(2, new ToolCallFailed(b, ToolCallFailureKind.ToolException, "bad \u009b31m\u202eerror", "Error", null, null)));

        string[] text = [CallRenderer.Line(board.Rows[0]), CallRenderer.ArgumentsLine(board.Rows[0]), CallRenderer.Line(board.Rows[1]), StringConsole.Render(CallRenderer.Table(board.Rows))];

        Assert.All(text, t => Assert.DoesNotContain(t, c => char.IsControl(c) && c is not '\n' and not '\r' || c == '\u202e'));
        Assert.Equal("[evil\u241b]0;pwned\u2407 #1] done in 0 ms: \u241b[31mred\u241b[0m next", text[0]);
        Assert.Equal("[evil\u241b]0;pwned\u2407 #1] arguments {\"q\":\"\u241b[2J\"}", text[1]);
        Assert.Equal("[ok #2] failed (ToolException): bad <U+009B>31m<U+202E>error", text[2]);
    }

    [Fact]
    public void Table_Calls_ShowsEachStateWordAndHidesProgressUntilReported()
    {
        ToolCall a = new("a", "calc", 0, 1, null, "{}");
        ToolCall b = new("b", "fetch", 1, 1, null, "{}");
        CallBoard board = Board(
            At(0, new ToolCallClosed(a)),
            At(0, new ToolCallStarted(a)),
            At(5, new ToolCallCompleted(a, "2", TimeSpan.FromMilliseconds(5))),
            At(6, new ToolCallStarted(b)));

        string table = StringConsole.Render(CallRenderer.Table(board.Rows));

        Assert.Contains("done in 5 ms: 2", table, StringComparison.Ordinal);
        Assert.Contains("running", table, StringComparison.Ordinal);
        Assert.DoesNotContain("Progress", table, StringComparison.Ordinal);

        board.ReportProgress("b", new CallProgress(0.25, "page 1 of 4"));
        table = StringConsole.Render(CallRenderer.Table(board.Rows));

        Assert.Contains("Progress", table, StringComparison.Ordinal);
        Assert.Contains("25% page 1 of 4", table, StringComparison.Ordinal);
        Assert.Equal("[fetch #2] running 25% page 1 of 4", CallRenderer.ProgressLine(board.Rows[1]));
    }
}
