using System.Text.Json;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>The gate's call entry, whose rarely set fields live in a side object made on first write.</summary>
public sealed class CallStateTests
{
    [Fact]
    public void RareFields_OnlyNothingWritten_MakeNoLinks()
    {
        var state = new CallState(Call(0, "search", "{}"))
        {
            References = [],
            WaitingOn = null,
            Targets = null,
            Dependents = null,
            Followers = null,
            FailureMessage = null,
            ReportedWait = null,
        };

        Assert.False(state.HasLinks);
        Assert.Empty(state.References);
        Assert.Null(state.WaitingOn);
        Assert.Null(state.Dependents);
        Assert.Null(state.ReportedWait);
        Assert.Null(state.ResultJson);
        Assert.Equal(default, state.FailureKind);
    }

    [Fact]
    public void RareFields_Written_ReadBackAndCanBeCleared()
    {
        var state = new CallState(Call(0, "search", "{}"));
        var other = new CallState(Call(1, "search", "{}"));

        state.Followers = [other];
        state.ReportedWait = ToolCallWaitReason.ResponseEnd;
        state.FailureMessage = "failed";
        state.FailureKind = ToolCallFailureKind.TimedOut;

        Assert.True(state.HasLinks);
        Assert.Same(other, Assert.Single(state.Followers));
        Assert.Equal(ToolCallWaitReason.ResponseEnd, state.ReportedWait);
        Assert.Equal("failed", state.FailureMessage);
        Assert.Equal(ToolCallFailureKind.TimedOut, state.FailureKind);
        state.Followers = null;
        Assert.Null(state.Followers);
    }

    [Fact]
    public void ResultJson_CompletedCall_IsTheResultAsJsonReadOnce()
    {
        var state = new CallState(Call(0, "add", "{}")) { Result = 7 };
        Assert.Null(state.ResultJson);

        state.Status = CallStatus.Completed;

        JsonElement result = Assert.IsType<JsonElement>(state.ResultJson);
        Assert.Equal(7, result.GetInt32());
        Assert.True(state.HasLinks);
    }
}
