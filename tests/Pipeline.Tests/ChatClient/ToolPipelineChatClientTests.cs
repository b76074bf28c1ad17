using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

public sealed class ToolPipelineChatClientTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private (IChatClient Client, ChatOptions Options, TestTools Tools) Create()
    {
        var model = new ScriptedChatClient(
            [
                new ScriptedResponse().Text("Checking both.").Call("slow", """{"q": 1}""").Call("fast", """{"q": 2}""").Text(" This sentence keeps streaming for a good while after both calls closed."),
                new ScriptedResponse().Text("Both are back."),
            ],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });
        var tools = new TestTools(_clock);
        ToolPipelineChatClient client = model.AsToolPipelineClient(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler));
        client.DescriptorFactory = f => new ToolDescriptor(f, ToolEffects.ReadOnly);
        var options = new ChatOptions { Tools = [tools.Delayed("slow", TimeSpan.FromMilliseconds(400), "S"), tools.Delayed("fast", TimeSpan.FromMilliseconds(50), "F")] };
        return (client, options, tools);
    }

    [Fact]
    public void GetResponseAsync_ToolsInTheOptions_ReturnsTheFinalTextAndEveryMessageTheLoopAdded()
    {
        (IChatClient client, ChatOptions options, TestTools tools) = Create();
        ChatResponse response = null!;

        VirtualTime.Run(_clock, _scheduler, async () => response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "go")], options));

        Assert.Equal([ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], response.Messages.Select(m => m.Role));
        Assert.Equal(["slow", "fast"], response.Messages[0].Contents.OfType<FunctionCallContent>().Select(c => c.Name));
        Assert.Equal(
            response.Messages[0].Contents.OfType<FunctionCallContent>().Select(c => c.CallId),
            response.Messages[1].Contents.OfType<FunctionResultContent>().Select(r => r.CallId));
        Assert.Equal("Both are back.", response.Messages[^1].Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(2, tools.Invocations.Count);
    }

    [Fact]
    public void GetStreamingResponseAsync_ToolsInTheOptions_ResultsStreamBeforeTheModelFinishesTalking()
    {
        (IChatClient client, ChatOptions options, _) = Create();
        var updates = new List<ChatResponseUpdate>();

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "go")], options))
            {
                updates.Add(update);
            }
        });

        // The fast tool's result is streamed while turn 1's text is still arriving.
        int fastResult = updates.FindIndex(u => u.Contents.OfType<FunctionResultContent>().Any(r => Equals(r.Result?.ToString(), "F")));
        int lastTurn1Text = updates.FindLastIndex(u => u.MessageId == "toolflow-turn-1" && u.Text.Length > 0);
        Assert.InRange(fastResult, 0, lastTurn1Text - 1);

        // Folded into a response, the stream holds the same conversation as the non-streaming call.
        ChatResponse folded = updates.ToChatResponse();
        Assert.Equal("Both are back.", folded.Messages[^1].Text);
        Assert.Equal(2, folded.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Count());
        Assert.Equal(2, folded.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Count());
    }
}
