namespace ToolFlow.Orleans.Tests;

/// <summary>The tool call grain's key: the tool first (escaped), the re-run last.</summary>
public sealed class ToolCallKeyTests
{
    [Theory]
    [InlineData("echo", "conv-1", "call_1", "echo/conv-1/call_1/1.0")]
    [InlineData("ns/tool.v2", "a/b", "c.d", "ns%2Ftool.v2/a/b/c.d/1.0")]
    public void Format_AnyNames_ParsesBackToTheToolAndRerun(string tool, string scope, string callId, string expected)
    {
        string key = ToolCallKey.Format(tool, scope, callId, 1, 0);

        Assert.Equal(expected, key);
        Assert.True(ToolCallKey.TryParse(ToolCallKey.Format(tool, scope, callId, 1, 3), out ToolCallKey parsed));
        Assert.Equal(tool, parsed.Tool);
        Assert.Equal(3, parsed.Rerun);
        Assert.Equal(key, parsed.WithRerun(0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("echo")]
    [InlineData("/scope/call/1.0")]
    [InlineData("echo/scope/call/1")]
    [InlineData("echo/scope/call/1.x")]
    public void TryParse_NotAToolCallKey_False(string key) => Assert.False(ToolCallKey.TryParse(key, out _));
}
