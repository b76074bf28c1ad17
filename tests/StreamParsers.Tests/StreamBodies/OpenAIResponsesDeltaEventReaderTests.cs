using System.Text;

namespace ToolFlow.StreamParsers.Tests;

public sealed class OpenAIResponsesDeltaEventReaderTests
{
    private static bool Read(OpenAIResponsesDeltaEventReader reader, string json) => reader.TryRead(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TryRead_UsualDeltas_ReadsKindDeltaIndexAndItem()
    {
        var reader = new OpenAIResponsesDeltaEventReader();

        Assert.True(Read(reader, """{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"a\"b\u2603","logprobs":[{"x":[1]}]}"""));
        Assert.Equal((ResponsesDeltaKind.Text, "a\"b\u2603", 0, "msg_1"), (reader.Kind, reader.Delta.ToString(), reader.OutputIndex, reader.ItemId));

        Assert.True(Read(reader, """{"delta":"{\"ci","output_index":3,"item_id":"fc_1","type":"response.function_call_arguments.delta"}"""));
        Assert.Equal((ResponsesDeltaKind.Arguments, "{\"ci", 3, "fc_1"), (reader.Kind, reader.Delta.ToString(), reader.OutputIndex, reader.ItemId));
        string first = reader.ItemId!;

        Assert.True(Read(reader, """{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":3,"delta":"ty"}"""));
        Assert.Same(first, reader.ItemId);

        Assert.True(Read(reader, """{"type":"response.reasoning_summary_text.delta","delta":"Plan."}"""));
        Assert.Equal((ResponsesDeltaKind.Reasoning, "Plan.", -1, null), (reader.Kind, reader.Delta.ToString(), reader.OutputIndex, reader.ItemId));

        Assert.True(Read(reader, """{"type":"response.refusal.delta","delta":""}"""));
        Assert.Equal((ResponsesDeltaKind.Text, ""), (reader.Kind, reader.Delta.ToString()));
    }

    [Theory]
    [InlineData("""{"type":"response.output_item.added","output_index":0,"item":{}}""")]
    [InlineData("""{"delta":"a"}""")]
    [InlineData("""{"type":7,"delta":"a"}""")]
    [InlineData("""{"type":"response.output_text.delta"}""")]
    [InlineData("""{"type":"response.output_text.delta","delta":null}""")]
    [InlineData("""{"type":"response.output_text.delta","delta":"a","delta":"b"}""")]
    [InlineData("""{"type":"response.output_text.delta","type":"response.output_text.delta","delta":"a"}""")]
    [InlineData("""{"type":"response.function_call_arguments.delta","item_id":"fc_1","delta":"a"}""")]
    [InlineData("""{"type":"response.function_call_arguments.delta","output_index":1.5,"delta":"a"}""")]
    [InlineData("""{"type":"response.function_call_arguments.delta","output_index":1,"item_id":2,"delta":"a"}""")]
    [InlineData("""{"type":"response.output_text.delta","delta":"a"} x""")]
    [InlineData("""{"type":"response.output_text.delta","delta":"a}""")]
    [InlineData("""[{"type":"response.output_text.delta","delta":"a"}]""")]
    public void TryRead_UnusualEvent_LeavesItToTheDocument(string json)
    {
        var reader = new OpenAIResponsesDeltaEventReader();

        Assert.False(Read(reader, json));
    }

    [Fact]
    public void Append_ArgumentsWithAndWithoutOutputIndex_RoutedToTheirItems()
    {
        string body = string.Concat(new[]
        {
            """{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_a","name":"f","arguments":""}}""",
            """{"type":"response.output_item.added","output_index":2,"item":{"type":"function_call","id":"fc_2","call_id":"call_b","name":"g","arguments":""}}""",
            """{"type":"response.function_call_arguments.delta","item_id":"fc_2","output_index":2,"delta":"{\"y\""}""",
            """{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\"x\":"}""",
            """{"type":"response.function_call_arguments.delta","item_id":"fc_2","delta":":2}"}""",
            """{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"1}"}""",
            """{"type":"response.output_text.delta","item_id":"msg","output_index":3,"delta":"done"}""",
            """{"type":"response.completed","response":{"status":"completed"}}""",
        }.Select(p => $"data: {p}\n\n"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OpenAIResponsesStreamParser(), body);

        Assert.Equal(
            [("call_b", "g", """{"y":2}"""), ("call_a", "f", """{"x":1}""")],
            observer.Calls.Select(c => (c.Id, c.Name, c.ArgumentsJson)));
        Assert.Equal("done", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }
}
