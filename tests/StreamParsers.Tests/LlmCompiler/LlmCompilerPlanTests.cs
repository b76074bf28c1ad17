namespace ToolFlow.StreamParsers.Tests;

public sealed class LlmCompilerPlanTests
{
    [Theory]
    [InlineData("math", 5, """{"args":["abs($3 - ${1}) + $3 + $9 + $5"]}""", "1,3")]
    [InlineData("join", 4, """{"args":[]}""", "1,2,3")]
    [InlineData("search", 1, """{"args":["$ 1 costs $"]}""", "")]
    public void GetDependencies_Call_EarlierReferencesAscending(string name, int index, string arguments, string expected)
    {
        var call = new ParsedToolCall(0, index.ToString(System.Globalization.CultureInfo.InvariantCulture), name, arguments, null, ToolCallCompletionReason.JsonClosed, 1);

        Assert.Equal(expected, string.Join(",", LlmCompilerPlan.GetDependencies(call)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("call_1")]
    [InlineData("0")]
    public void GetTaskIndex_IdNotATaskNumber_Throws(string? id)
    {
        var call = new ParsedToolCall(0, id, "f", "{}", null, ToolCallCompletionReason.JsonClosed, 1);

        Assert.Throws<ArgumentException>(() => LlmCompilerPlan.GetTaskIndex(call));
    }
}
