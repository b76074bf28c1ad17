namespace ToolFlow.Samples.ChatUi.Tests;

public sealed class ChatUiArgumentsTests
{
    [Fact]
    public void Parse_Nothing_ScriptedScenariosOnTheDefaultPort()
    {
        ChatUiArguments arguments = ChatUiArguments.Parse([]);

        Assert.Null(arguments.Port);
        Assert.Null(arguments.Endpoint);
        Assert.Empty(arguments.Mcp);
    }

    [Fact]
    public void Parse_EndpointModelKeyAndMcp_AsToolflowRunTakesThem()
    {
        ChatUiArguments arguments = ChatUiArguments.Parse(
            ["--port", "0", "--endpoint", "http://localhost:8000", "--model", "qwen", "--api-key", "k", "--mcp", "npx -y server-a /tmp", "--mcp", "node b.js", "--allow-hidden"]);

        Assert.Equal(0, arguments.Port);
        Assert.Equal(new Uri("http://localhost:8000/v1"), arguments.Endpoint);
        Assert.Equal("qwen", arguments.Model);
        Assert.Equal("k", arguments.ApiKey);
        Assert.Equal(["npx -y server-a /tmp", "node b.js"], arguments.Mcp);
        Assert.True(arguments.AllowHidden);
        Assert.False(ChatUiArguments.Parse(["--endpoint", "http://localhost:8000", "--model", "m"]).AllowHidden);
    }

    [Theory]
    [InlineData("--port", "65536")]
    [InlineData("--port", "-1")]
    [InlineData("--port", "x")]
    [InlineData("--port")]
    [InlineData("--endpoint", "localhost:8000", "--model", "m")]
    [InlineData("--endpoint", "http://localhost:8000")]
    [InlineData("--model", "m")]
    [InlineData("--mcp", "node a.js")]
    [InlineData("--allow-hidden")]
    [InlineData("--endpoint", "http://example.com", "--model", "m", "--api-key", "k")]
    [InlineData("--endpoint", "http://localhost:8000", "--model", "m", "--root", "/no/such/folder")]
    [InlineData("--verbose")]
    public void Parse_BadCommandLine_SaysWhatToChange(params string[] args)
    {
        ChatUiArgumentException error = Assert.Throws<ChatUiArgumentException>(() => ChatUiArguments.Parse(args));

        Assert.Contains("--", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_TwoScenariosOfOneName_Refused()
    {
        ChatUiArgumentException error = await Assert.ThrowsAsync<ChatUiArgumentException>(
            () => ChatUiApp.CreateAsync(["--port", "0"], o => o.Scenarios.Add(SampleScenarios.Approvals())));

        Assert.Contains("approvals", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_UnknownDefaultScenario_Refused()
    {
        ChatUiArgumentException error = await Assert.ThrowsAsync<ChatUiArgumentException>(
            () => ChatUiApp.CreateAsync(["--port", "0"], o => o.DefaultScenario = "nope"));

        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }
}
