using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class LlmCompilerToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new LlmCompilerToolCallParser();

    public static TheoryData<string> CorpusIds()
    {
        var data = new TheoryData<string>();
        foreach (FullCase c in ConformanceCorpus.FullCases().Where(c => c.Format == "llmcompiler"))
        {
            data.Add(CaseKey(c));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusIds))]
    public void Tasks_CorpusPlan_NumbersDependenciesAndThoughtsMatch(string key)
    {
        FullCase c = ConformanceCorpus.FullCases().Single(x => x.Format == "llmcompiler" && CaseKey(x) == key);
        var parser = new LlmCompilerToolCallParser();
        var observer = new RecordingObserver();

        parser.Append(c.Text, observer);
        parser.Complete(observer);

        Assert.Equal(c.Calls.Count, parser.Tasks.Count);
        for (int i = 0; i < c.Calls.Count; i++)
        {
            JsonElement expected = c.Calls[i];
            LlmCompilerTask task = parser.Tasks[i];
            Assert.Equal(expected.GetProperty("idx").GetInt32(), task.TaskIndex);
            Assert.Equal(expected.GetProperty("deps").EnumerateArray().Select(d => d.GetInt32()), task.Dependencies);
            Assert.Equal(task.Dependencies, LlmCompilerPlan.GetDependencies(task.Call));
            Assert.Equal(task.TaskIndex, LlmCompilerPlan.GetTaskIndex(task.Call));
            Assert.Equal(expected.TryGetProperty("thought", out JsonElement thought) ? thought.GetString() : null, task.Thought);
            Assert.Same(observer.Calls[i], task.Call);
        }
    }

    [Fact]
    public void Append_TaskLine_CompletesAtItsClosingParenthesisBeforeTheNewline()
    {
        const string Input = "1. search(\"a (b)\")\n2. math(\"$1 * 2\", [\"$1\"])\n";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal([Input.IndexOf(")\n", StringComparison.Ordinal) + 1L, Input.LastIndexOf(')') + 1L], whole.Calls.Select(c => c.Offset));
        Assert.Equal(["1", "2"], whole.Calls.Select(c => c.Id));
        Assert.Equal("""{"args":["$1 * 2",["$1"]]}""", whole.Calls[1].ArgumentsJson);
        Assert.Equal([1], LlmCompilerPlan.GetDependencies(whole.Calls[1]));
        Assert.Empty(whole.Text.Trim());
    }

    [Theory]
    [InlineData("search(\"x\")", """["x"]""")]
    [InlineData("search('x', 2, None, True)", """["x",2,null,true]""")]
    [InlineData("search([1, 2])", "[1,2]")]
    [InlineData("search([1, 2],)", "[[1,2]]")]
    [InlineData("search()", "[]")]
    [InlineData("search(Star Wars)", """["Star Wars"]""")]
    [InlineData("search(null)", """["null"]""")]
    [InlineData("math(\"x\", $1)", """["\"x\", $1"]""")]
    public void Append_Arguments_ReadAsPythonLiteralEvalReadsThem(string call, string args)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "1. " + call + "\n");

        Assert.Equal("{\"args\":" + args + "}", Assert.Single(whole.Calls).ArgumentsJson);
    }

    [Fact]
    public void Append_ApostropheInUnquotedArguments_ReadToTheLastParenthesisAtTheLineEnd()
    {
        const string Input = "1. search(Arthur's Magazine)\n2. search(x)";

        RecordingObserver whole = TextParserHarness.Run(s_create, Input);

        ParsedToolCall first = whole.Calls[0];
        Assert.Equal("""{"args":["Arthur's Magazine"]}""", first.ArgumentsJson);
        Assert.Equal(Input.IndexOf('\n', StringComparison.Ordinal) + 1, first.Offset);
        Assert.Equal(ToolCallCompletionReason.EndMarker, first.Reason);
    }

    [Fact]
    public void Append_LineWithoutClosingParenthesis_TaskDroppedWithDiagnostic()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "1. math(\"x\", [\"$1\"]\n2. search(\"y\")\n");

        Assert.Equal("search", Assert.Single(whole.Calls).Name);
        Assert.Equal([0], whole.Aborted);
        Assert.Contains(PythonicDiagnosticCodes.PlanTaskMalformed, whole.DiagnosticCodes);
        Assert.Empty(whole.Text);
    }

    [Fact]
    public void Append_ReferenceToMissingTask_DiagnosticAndDependencyKept()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "3. math(\"${2} + $5\")\n");

        Assert.Equal([2], LlmCompilerPlan.GetDependencies(Assert.Single(whole.Calls)));
        Assert.Equal(2, whole.DiagnosticCodes.Count(c => c == PythonicDiagnosticCodes.PlanDependencyUnknown));
    }

    [Fact]
    public void Append_TextThoughtsAndEndOfPlan_TextAndReasoningSeparated()
    {
        const string Input = "Here is the plan:\nThought: first\n1. search(\"x\") # note\n 2. join()<END_OF_PLAN>\nThat's all. 3. search(\"no\")";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal("Here is the plan:\n\nThat's all. 3. search(\"no\")", whole.Text);
        Assert.Equal("first\n", whole.Reasoning);
        Assert.Equal(["search", "join"], whole.Calls.Select(c => c.Name));
        Assert.Equal([1], LlmCompilerPlan.GetDependencies(whole.Calls[1]));
    }

    // Found by fuzzing: a join numbered 111111113 counted every number below it as a dependency (about 440 MB for a
    // 60-character plan); it now depends on the task numbers the plan has written.
    [Fact]
    public void Tasks_JoinWithHugeNumber_DependsOnThePlannedTasksInBoundedMemory()
    {
        const string Input = "1. get_weather(\"Paris\")\n3. get_weather($1)\n111111113. join()<END_OF_PLAN>";
        var parser = new LlmCompilerToolCallParser();
        var observer = new RecordingObserver();

        long before = GC.GetAllocatedBytesForCurrentThread();
        parser.Append(Input, observer);
        parser.Complete(observer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(["get_weather", "get_weather", "join"], observer.Calls.Select(c => c.Name));
        Assert.Equal([1, 3], parser.Tasks[2].Dependencies);
        Assert.Equal([1], parser.Tasks[1].Dependencies);
        Assert.InRange(allocated, 0, 1 << 20);
        TextParserHarness.AssertSplitInvariant(s_create, Input);
    }

    [Fact]
    public void Append_RepeatedTaskNumber_LaterTaskDropped()
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, "1. a()\n1. b()\n");

        Assert.Equal("a", Assert.Single(whole.Calls).Name);
        Assert.Equal([PythonicDiagnosticCodes.PlanTaskRepeated], whole.DiagnosticCodes);
    }

    [Fact]
    public void Append_NumberedProse_IsText()
    {
        const string Input = "1. Look it up\n2.search(x)\n12 apples\nThough: no\n<END_OF_PLAn\n";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal(Input, whole.Text);
        Assert.Empty(whole.Calls);
    }

    private static string CaseKey(FullCase c) => c.Raw.GetProperty("source").GetString() + "#" + c.Id;
}
