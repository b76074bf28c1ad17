using ToolFlow.Blocks;
using ToolFlow.Cli.Run;
using static ToolFlow.Cli.Tests.Calls.Events;

namespace ToolFlow.Cli.Tests.Run;

public sealed class RunViewTests
{
    [Fact]
    public void Apply_CallsThatWaitAndAreCancelled_WritesALinePerStateAmidTheText()
    {
        var output = new StringWriter();
        var view = new RunView(output, color: false, showReasoning: true);
        ToolCall send = new("c1", "send_mail", 0, 1, null, "{\"to\":\"a@b\"}");
        ToolCall search = new("c2", "search", 1, 1, null, "{}");

        foreach (ToolPipelineEvent e in new ToolPipelineEvent[]
        {
            At(0, new ReasoningDelta("think \u001b[8m")),
            At(1, new TextDelta("Sending.\r\n")),
            At(2, new ToolCallDetected("c1", "send_mail", 0)),
            At(3, new ToolArgumentsDelta("c1", 0, "{\"to\":\"a@b\"}")),
            At(4, new ToolCallClosed(send)),
            At(4, new ToolCallWaiting(send, ToolCallWaitReason.ResponseEnd, null)),
            At(5, new ToolCallStarted(search)),
            At(6, new TextDelta("Searching too.")),
            At(7, new ToolCallFailed(search, ToolCallFailureKind.Cancelled, "by the caller", "Error", null, TimeSpan.FromMilliseconds(2))),
            At(8, new ToolResultDiscarded(search, "late hit")),
            At(9, new ToolCallFailed(send, ToolCallFailureKind.Discarded, "the response ended badly", "Error", null, null)),
        })
        {
            view.Apply(e);
        }

        Assert.Equal(
            """
            [thinking] think ␛[8m
            Sending.
            [send_mail #1] detected
            [send_mail #1] arguments {"to":"a@b"}
            [send_mail #1] waiting for the response to end cleanly (the tool has side effects)
            [search #2] running
            Searching too.
            [search #2] cancelled: by the caller
            [search #2] cancelled: by the caller; a late result was discarded: late hit
            [send_mail #1] cancelled (Discarded): the response ended badly

            """.ReplaceLineEndings("\n"),
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Apply_QuarantinedAndDeniedCalls_SayTheResultWasWithheldAndNeverShowIt()
    {
        var output = new StringWriter();
        var view = new RunView(output, color: false, showReasoning: false);
        ToolCall report = new("c1", "report", 0, 1, null, "{}");
        ToolCall mail = new("c2", "send_mail", 1, 1, null, "{}");
        var revoked = new ToolPermissionDecision(false, "ToolPermissions", "1", "the tool 'report' is not permitted (permissions revision 1)");

        foreach (ToolPipelineEvent e in new ToolPipelineEvent[]
        {
            At(0, new ToolCallPermissionChecked(report, ToolPermissionCheckpoint.Dispatch, new ToolPermissionDecision(true, "ToolPermissions", "0"))),
            At(0, new ToolCallStarted(report)),
            At(1, new ToolCallPermissionChecked(mail, ToolPermissionCheckpoint.Dispatch, revoked with { Reason = "the tool 'send_mail' is not permitted" })),
            At(1, new ToolCallFailed(mail, ToolCallFailureKind.PermissionDenied, "The call to 'send_mail' was not permitted by ToolPermissions: the tool 'send_mail' is not permitted.", "Error", null, null)),
            At(50, new ToolCallPermissionChecked(report, ToolPermissionCheckpoint.Result, revoked)),
            At(50, new ToolResultQuarantined(report, "the secret figures", revoked)),
            At(50, new ToolCallFailed(report, ToolCallFailureKind.Quarantined, "The result of 'report' was quarantined: ToolPermissions revoked its permission while it ran.", "Error", null, TimeSpan.FromMilliseconds(50))),
        })
        {
            view.Apply(e);
        }

        Assert.Equal(
            """
            [report #1] running
            [send_mail #2] cancelled (PermissionDenied): The call to 'send_mail' was not permitted by ToolPermissions: the tool 'send_mail' is not permitted.
            [report #1] quarantined after 50 ms: its result was withheld from the model: The result of 'report' was quarantined: ToolPermissions revoked its permission while it ran.

            """.ReplaceLineEndings("\n"),
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Apply_BudgetEvents_WritesANoteForEach()
    {
        var output = new StringWriter();
        var view = new RunView(output, color: false, showReasoning: false);
        ToolCall log = new("c1", "read_log", 0, 1, null, "{}");

        view.Apply(At(0, new ToolResultTrimmed(log, 202_801, 3_998, 4_000, "head-and-tail", ToolResultTrimScope.Tool)));
        view.Apply(At(1, new ContextWindowFilling(115_000, 128_000, 0.9)));

        Assert.Equal(
            """
            [note] read_log result cut from 202,801 to 3,998 tokens (head-and-tail, result budget 4,000)
            [note] the conversation fills 115,000 of the context window's 128,000 tokens

            """.ReplaceLineEndings("\n"),
            output.ToString().ReplaceLineEndings("\n"));
    }
}
