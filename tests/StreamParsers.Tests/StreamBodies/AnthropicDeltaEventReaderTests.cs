using System.Text;

namespace ToolFlow.StreamParsers.Tests;

public sealed class AnthropicDeltaEventReaderTests
{
    private static bool Read(AnthropicDeltaEventReader reader, string json, string? eventType = "content_block_delta") =>
        reader.TryRead(eventType, Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"a\"\u00e9"}}""", 0, "a\"é")]
    [InlineData("""{"delta":{"thinking":"hm","type":"thinking_delta","signature":{"x":[1]}},"index":2,"type":"content_block_delta"}""", 1, "hm")]
    [InlineData("""{"index":2,"delta":{"type":"text_delta","text":null}}""", 0, "")]
    public void TryRead_TextDelta_ReadsIndexKindAndText(string json, int kind, string text)
    {
        var reader = new AnthropicDeltaEventReader();

        Assert.True(Read(reader, json));

        Assert.Equal((2, (AnthropicDeltaKind)kind, text, (string?)null), (reader.Index, reader.Kind, reader.Text.ToString(), reader.PartialJson));
    }

    [Fact]
    public void TryRead_InputJsonDelta_ReadsThePiece()
    {
        var reader = new AnthropicDeltaEventReader();
        Assert.True(Read(reader, """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"before"}}"""));

        Assert.True(Read(reader, """{"type":"content_block_delta","index":"x","delta":{"type":"input_json_delta","partial_json":"{\"ci"}}"""));

        Assert.Equal((-1, AnthropicDeltaKind.InputJson, "{\"ci"), (reader.Index, reader.Kind, reader.PartialJson));
        Assert.True(reader.Text.IsEmpty);
    }

    [Theory]
    [InlineData("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", "content_block_start")]
    [InlineData("""{"type":"content_block_stop","index":0}""", "content_block_delta")]
    [InlineData("""{"index":0,"delta":{"type":"text_delta","text":"a"}}""", null)]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}}""", "content_block_delta")]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","text":"b"}}""", "content_block_delta")]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","partial_json":"b"}}""", "content_block_delta")]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":"text"}""", "content_block_delta")]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}""", "content_block_delta")]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}} {}""", "content_block_delta")]
    public void TryRead_OtherEvent_LeavesItToTheDocument(string json, string? eventType)
    {
        var reader = new AnthropicDeltaEventReader();

        Assert.False(Read(reader, json, eventType));
    }
}
