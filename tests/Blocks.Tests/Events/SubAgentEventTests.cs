namespace ToolFlow.Blocks.Tests;

public sealed class SubAgentEventTests
{
    private static ToolCall Call(string id, string name) => new(id, name, 0, 1, null, "{}");

    [Fact]
    public void CallChainDepthInnermost_GrandchildWrappedTwice_ReadOutermostFirst()
    {
        var started = new ToolCallStarted(Call("g1", "get"));
        var child = new SubAgentEvent(Call("c1", "fetcher"), "fetcher", started);
        var parent = new SubAgentEvent(Call("p1", "researcher"), "researcher", child);

        Assert.Equal(["p1", "c1"], parent.CallChain.Select(c => c.CallId));
        Assert.Equal((2, 1), (parent.Depth, child.Depth));
        Assert.Same(started, parent.Innermost);
        Assert.Same(started, child.Innermost);
    }
}
