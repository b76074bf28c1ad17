using System.Text.Json;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.StreamParsers;
using static ToolFlow.Providers.Anthropic.Tests.AnthropicEvents;

namespace ToolFlow.Providers.Anthropic.Tests;

public sealed class AnthropicDeltaReaderTests
{
    [Fact]
    public void TryRead_ToolUseStart_StartsTheCallAtItsBlockIndexWithItsIdAndName()
    {
        Assert.Equal([new ToolCallDelta(2, "toolu_a", "lookup", null)], Read(ToolUseStart(2, "toolu_a", "lookup")));
    }

    [Fact]
    public void TryRead_InputJsonDelta_IsAFragmentOfItsBlocksCall()
    {
        Assert.Equal([new ToolCallDelta(2, null, null, "{\"q\": ")], Read(InputJson(2, "{\"q\": ")));
    }

    [Fact]
    public void TryRead_EmptyPartialJson_IsKnownWithNoFragment()
    {
        Assert.Empty(Read(InputJson(1, string.Empty)));
    }

    [Fact]
    public void TryRead_EveryOtherStreamEvent_IsKnownWithNoFragment()
    {
        string[] events =
        [
            MessageStart(), ThinkingStart(0), Thinking(0, "Which tool?"), Signature(0), BlockStop(0),
            TextStart(1), Text(1, "Hello"), BlockStop(1), MessageDelta("tool_use"), MessageStop(),
        ];

        Assert.All(events, e => Assert.Empty(Read(e)));
    }

    [Fact]
    public void TryRead_ServerToolUseStart_StartsNoCall()
    {
        Assert.Empty(Read(ServerToolUseStart(0, "srvtoolu_1", "web_search")));
    }

    [Fact]
    public void ForResponse_ReadsInputFragmentsOnlyOfItsToolUseBlocks()
    {
        ToolCallDeltaReader response = AnthropicDeltaReader.Instance.ForResponse();
        var deltas = new List<ToolCallDelta>();

        Assert.NotSame(AnthropicDeltaReader.Instance, response);
        foreach (string e in new[] { ServerToolUseStart(0, "srvtoolu_1", "web_search"), InputJson(0, "{\"query\": \"x\"}"), ToolUseStart(1, "toolu_a", "lookup"), InputJson(1, "{}") })
        {
            Assert.True(response.TryRead(Parse(e), deltas));
        }

        Assert.Equal([new ToolCallDelta(1, "toolu_a", "lookup", null), new ToolCallDelta(1, null, null, "{}")], deltas);
    }

    [Fact]
    public void TryRead_NotAnAnthropicStreamEvent_IsNotKnown()
    {
        var deltas = new List<ToolCallDelta>();

        Assert.False(AnthropicDeltaReader.Instance.TryRead("text", deltas));
        Assert.False(AnthropicDeltaReader.Instance.TryRead(new ChatResponseUpdate(), deltas));
        Assert.Empty(deltas);
    }

    [Fact]
    public void TryRead_NullCollection_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => AnthropicDeltaReader.Instance.TryRead(Parse(MessageStop()), null!));
    }

    private static List<ToolCallDelta> Read(string sseEvent)
    {
        var deltas = new List<ToolCallDelta>();
        Assert.True(AnthropicDeltaReader.Instance.TryRead(Parse(sseEvent), deltas));
        return deltas;
    }

    // The SDK's own converter, as its client uses it on each event's data line.
    private static RawMessageStreamEvent Parse(string sseEvent) =>
        JsonSerializer.Deserialize<RawMessageStreamEvent>(sseEvent.Split('\n')[1]["data: ".Length..])!;
}
