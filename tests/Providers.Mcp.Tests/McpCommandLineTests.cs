namespace ToolFlow.Providers.Mcp.Tests;

public sealed class McpCommandLineTests
{
    [Theory]
    [InlineData("node server.js /tmp", new[] { "node", "server.js", "/tmp" })]
    [InlineData("  npx   -y\t@modelcontextprotocol/server-filesystem \n /data  ", new[] { "npx", "-y", "@modelcontextprotocol/server-filesystem", "/data" })]
    [InlineData("node 'my server.js' \"/tmp/my files\"", new[] { "node", "my server.js", "/tmp/my files" })]
    [InlineData("uvx --from=\"a b\"c 'x'\"y\"z", new[] { "uvx", "--from=a bc", "xyz" })]
    [InlineData("cmd '' \"\" x", new[] { "cmd", "", "", "x" })]
    [InlineData("cmd 'it''s' \"say \\\"hi\\\"\"", new[] { "cmd", "its", "say \"hi\"" })]
    [InlineData("cmd '\\n stays' \"\\n stays\" \\n", new[] { "cmd", "\\n stays", "\\n stays", "n" })]
    [InlineData("cmd my\\ file \\'q\\' C:\\\\dir", new[] { "cmd", "my file", "'q'", "C:\\dir" })]
    [InlineData("cmd \"a\\\\b\\$c\\`d\"", new[] { "cmd", "a\\b$c`d" })]
    [InlineData("cmd a\\\nb", new[] { "cmd", "ab" })]
    public void Split_QuotedAndEscapedWords_SplitsLikeAPosixShell(string commandLine, string[] expected)
    {
        Assert.Equal(expected, McpCommandLine.Split(commandLine));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\n")]
    public void Split_BlankLine_ReturnsNoWords(string commandLine)
    {
        Assert.Empty(McpCommandLine.Split(commandLine));
    }

    [Theory]
    [InlineData("node 'server.js")]
    [InlineData("node \"server.js")]
    [InlineData("node \"a\\\"")]
    [InlineData("node server.js \\")]
    public void Split_UnclosedQuoteOrTrailingBackslash_ThrowsFormatException(string commandLine)
    {
        Assert.Throws<FormatException>(() => McpCommandLine.Split(commandLine));
    }

    [Fact]
    public void FromCommandLine_ProgramAndArguments_SetsCommandAndArguments()
    {
        McpToolSourceOptions options = McpToolSourceOptions.FromCommandLine("node \"/srv/mcp server/index.js\" --root '/a b'");

        Assert.Equal("node", options.Command);
        Assert.Equal(["/srv/mcp server/index.js", "--root", "/a b"], options.Arguments);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("'' x")]
    public void FromCommandLine_NoProgram_ThrowsFormatException(string commandLine)
    {
        Assert.Throws<FormatException>(() => McpToolSourceOptions.FromCommandLine(commandLine));
    }
}
