using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolFlowJsonUtilitiesTests
{
    private static ChatResponse WithFragments() => new(new ChatMessage(ChatRole.Assistant, [new TextContent("Checking."), new ToolCallUpdateContent(0, "call-1", "lookup", """{"q":"""), new ToolCallUpdateContent(0, null, null, " 1}")]));

    [Fact]
    public void DefaultOptions_ResponseWithCallFragments_RoundTrips()
    {
        string json = JsonSerializer.Serialize(WithFragments(), ToolFlowJsonUtilities.DefaultOptions);
        ChatResponse back = JsonSerializer.Deserialize<ChatResponse>(json, ToolFlowJsonUtilities.DefaultOptions)!;

        Assert.Contains(ToolFlowJsonUtilities.ToolCallUpdateDiscriminator, json, StringComparison.Ordinal);
        ToolCallUpdateContent[] fragments = [.. back.Messages[0].Contents.OfType<ToolCallUpdateContent>()];
        Assert.Equal([(0, "call-1", "lookup", """{"q":"""), (0, null, null, " 1}")], fragments.Select(f => (f.Index, f.CallId, f.Name, f.ArgumentsDelta)));
        Assert.Equal("Checking.", back.Text);
    }

    [Fact]
    public void AIJsonUtilitiesDefaultOptions_CallFragments_AreNotSupported()
    {
        // Why the helper exists: the framework's own settings refuse content types they were not told about.
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(WithFragments(), AIJsonUtilities.DefaultOptions));
    }

    [Fact]
    public void AddContentTypes_OwnOptions_CanThenWriteCallFragments()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { WriteIndented = true };
        ToolFlowJsonUtilities.AddContentTypes(options);

        Assert.Contains(ToolFlowJsonUtilities.ToolCallUpdateDiscriminator, JsonSerializer.Serialize(WithFragments(), options), StringComparison.Ordinal);
        Assert.True(ToolFlowJsonUtilities.DefaultOptions.IsReadOnly);
        Assert.Throws<ArgumentNullException>(() => ToolFlowJsonUtilities.AddContentTypes(null!));
    }
}
