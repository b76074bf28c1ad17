namespace ToolFlow.Cli.Tests;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("  two\r\n\tlines  ", "two lines")]
    [InlineData("\u001b[2J\u001b]0;title\u0007", "\u241b[2J\u241b]0;title\u2407")]
    [InlineData("a\u0000b\u007fc", "a\u2400b\u2421c")]
    [InlineData("c1\u009bcsi", "c1<U+009B>csi")]
    [InlineData("bidi\u202eevil\u2066", "bidi<U+202E>evil<U+2066>")]
    [InlineData(null, "")]
    public void OneLine_Text_IsOneSafeLine(string? text, string expected) => Assert.Equal(expected, TerminalText.OneLine(text));

    [Fact]
    public void OneLine_LongerThanTheLimit_IsCutWithAnEllipsis()
    {
        Assert.Equal("abcdefghij", TerminalText.OneLine("abcdefghij", 10));
        Assert.Equal("abcdefg...", TerminalText.OneLine("abcdefghijk", 10));
        Assert.Equal("ab\u241b\u241b\u241b", TerminalText.OneLine("ab\u001b\u001b\u001b", 5));
        Assert.Equal("ab...", TerminalText.OneLine("ab\u001b\u001b\u001bc", 5));
    }

    [Fact]
    public void OneLine_LimitShorterThanTheEllipsis_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TerminalText.OneLine("x", TerminalText.Ellipsis.Length - 1));

    [Theory]
    [InlineData("line one\nline two\tend", "line one\nline two\tend")]
    [InlineData("windows\r\nline", "windows\nline")]
    [InlineData("overwrite\rme", "overwriteme")]
    [InlineData("\u001b[31mred\u001b[0m", "\u241b[31mred\u241b[0m")]
    [InlineData("\u0008\u0085", "\u2408<U+0085>")]
    public void Stream_Text_KeepsLineBreaksAndNeutralisesTheRest(string text, string expected) =>
        Assert.Equal(expected, TerminalText.Stream(text));

    [Fact]
    public void Stream_SafeText_IsReturnedAsIs()
    {
        string text = "nothing to do\n";
        Assert.Same(text, TerminalText.Stream(text));
    }
}
