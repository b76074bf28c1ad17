using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Blocks.Tests;

public sealed class ChatModelSourceBlockTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private static IReadOnlyList<ChatMessage> Ask(string text) => [new(ChatRole.User, text)];

    private ChatModelSourceBlock Source(IChatClient model, CancellationToken cancellationToken = default) =>
        new(model, new ToolBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, CancellationToken = cancellationToken });

    private ScriptedChatClient Model(params ScriptedResponse[] turns) =>
        new(turns, new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });

    /// <summary>Posts the requests, completes the source, and records every event until it completes.</summary>
    private List<ToolPipelineEvent> Run(ChatModelSourceBlock source, params ModelRequest[] requests)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink = Events.Sink(events, _scheduler);
            source.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            foreach (ModelRequest request in requests)
            {
                Assert.True(source.Post(request));
            }

            source.Complete();
            await sink.Completion;
        });
        return events;
    }

    [Fact]
    public void Post_Request_TurnStartedThenEachUpdateAtItsArrivalThenStreamEnded()
    {
        ScriptedChatClient model = Model(new ScriptedResponse().Text("Hi all.").Call("f", "{}"));
        ChatModelSourceBlock source = Source(model);
        IReadOnlyList<ChatMessage> conversation = Ask("hello");

        List<ToolPipelineEvent> events = Run(source, new ModelRequest(1, conversation, null));

        // "Hi", " all", "." then the call's id and name, "{" and "}": 20 ms apart from 100 ms.
        Assert.Equal(
            [
                (0d, "turn started"),
                (100d, "update 'Hi'"),
                (120d, "update ' all'"),
                (140d, "update '.'"),
                (160d, "update ''"),
                (180d, "update ''"),
                (200d, "update ''"),
                (200d, "stream ended tool_calls"),
            ],
            events.Timeline(_clock));
        Assert.All(events, e => Assert.Equal(1, e.Turn));
        Assert.Same(conversation, Assert.IsType<TurnStarted>(events[0]).Messages);
        Assert.Equal(
            model.Streams.Single().Tokens.Select(t => t.Content),
            events.OfType<ModelUpdateReceived>().Select(u => Assert.Single(u.Update.Contents, c => c is not UsageContent)));
        ModelStreamEnded ended = Assert.IsType<ModelStreamEnded>(events[^1]);
        Assert.Equal(ChatFinishReason.ToolCalls, ended.FinishReason);
        Assert.Equal(6, ended.Usage?.OutputTokenCount);
        Assert.Null(ended.Error);
        Assert.Equal(TaskStatus.RanToCompletion, source.Completion.Status);
    }

    [Fact]
    public void Post_Request_ModelGetsItsMessagesAndOptions()
    {
        var model = new FakeChatClient();
        var options = new ChatOptions { ModelId = "m", Tools = [AIFunctionFactory.Create(() => 1, "one")] };
        IReadOnlyList<ChatMessage> conversation = Ask("hello");

        Run(Source(model), new ModelRequest(1, conversation, options));

        (IReadOnlyList<ChatMessage> messages, ChatOptions? sent) = Assert.Single(model.Requests);
        Assert.Equal(conversation, messages);
        Assert.Same(options, sent);
    }

    [Fact]
    public void Post_ModelThrowsMidStream_TurnEndsWithTheErrorAndTheBlockKeepsWorking()
    {
        var error = new HttpRequestException("server went away");
        var model = new FakeChatClient();
        int calls = 0;
        model.Stream = (_, _, ct) => ++calls == 1
            ? FakeChatClient.ThenThrow([new ChatResponseUpdate(ChatRole.Assistant, "Par"), new ChatResponseUpdate(ChatRole.Assistant, "tial")], error, ct)
            : new[] { new ChatResponseUpdate(ChatRole.Assistant, "Fine.") { FinishReason = ChatFinishReason.Stop } }.ToAsyncEnumerable();
        ChatModelSourceBlock source = Source(model);

        List<ToolPipelineEvent> events = Run(source, new ModelRequest(1, Ask("a"), null), new ModelRequest(2, Ask("b"), null));

        Assert.Equal(
            [
                (1, "turn started"), (1, "update 'Par'"), (1, "update 'tial'"), (1, "stream ended - error server went away"),
                (2, "turn started"), (2, "update 'Fine.'"), (2, "stream ended stop"),
            ],
            events.Select(e => (e.Turn, Events.Describe(e))));
        Assert.Same(error, events.OfType<ModelStreamEnded>().First().Error);
        Assert.Equal(TaskStatus.RanToCompletion, source.Completion.Status);
    }

    [Fact]
    public void Post_ModelThrowsBeforeStreaming_TurnEndsWithTheError()
    {
        var model = new FakeChatClient { Stream = (_, _, _) => throw new InvalidOperationException("no such model") };

        List<ToolPipelineEvent> events = Run(Source(model), new ModelRequest(1, Ask("a"), null));

        Assert.Equal(["turn started", "stream ended - error no such model"], events.Select(Events.Describe));
        Assert.IsType<InvalidOperationException>(Assert.IsType<ModelStreamEnded>(events[^1]).Error);
    }

    [Fact]
    public void Post_TwoRequests_HandledOneAtATimeInOrder()
    {
        ScriptedChatClient model = Model(new ScriptedResponse().Text("One."), new ScriptedResponse().Text("Two."));
        ChatMessage[] second = [.. Ask("a"), new(ChatRole.Assistant, "One.")];

        List<ToolPipelineEvent> events = Run(Source(model), new ModelRequest(1, Ask("a"), null), new ModelRequest(2, second, null));

        // The second request starts when the first stream ends, and its tokens count from there.
        Assert.Equal(
            [
                (0d, 1, "turn started"), (100d, 1, "update 'One'"), (120d, 1, "update '.'"), (120d, 1, "stream ended stop"),
                (120d, 2, "turn started"), (220d, 2, "update 'Two'"), (240d, 2, "update '.'"), (240d, 2, "stream ended stop"),
            ],
            events.Select(e => (e.Ms(_clock), e.Turn, Events.Describe(e))));
    }

    [Fact]
    public void Post_CancelledMidStream_BlockCancelsAndNothingIsLeftRunning()
    {
        ScriptedChatClient model = Model(new ScriptedResponse().Text("A long answer that will not finish."));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(150), _clock);
        ChatModelSourceBlock source = Source(model, cancellation.Token);
        var events = new List<ToolPipelineEvent>();

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink = Events.Sink(events, _scheduler);
            source.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            source.Post(new ModelRequest(1, Ask("go"), null));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.Completion);
        });

        Assert.True(source.Completion.IsCanceled);
        Assert.Equal(
            [(0d, "turn started"), (100d, "update 'A'"), (120d, "update ' long'"), (140d, "update ' answ'")],
            events.Timeline(_clock));
        Assert.Equal(TimeSpan.FromMilliseconds(150), _clock.Elapsed);
        Assert.Equal(0, _clock.PendingTimers);
    }

    [Fact]
    public void Post_StreamWithFinishAndUsageOnSeparateUpdates_StreamEndedKeepsTheLastOfEach()
    {
        var usage = new UsageDetails { InputTokenCount = 3, OutputTokenCount = 2 };
        var model = new FakeChatClient
        {
            Stream = (_, _, _) => new[]
            {
                new ChatResponseUpdate(ChatRole.Assistant, "a") { FinishReason = ChatFinishReason.Length },
                new ChatResponseUpdate(ChatRole.Assistant, "b") { FinishReason = ChatFinishReason.Stop },
                new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)]),
            }.ToAsyncEnumerable(),
        };

        List<ToolPipelineEvent> events = Run(Source(model), new ModelRequest(1, Ask("a"), null));

        ModelStreamEnded ended = Assert.IsType<ModelStreamEnded>(events[^1]);
        Assert.Equal(ChatFinishReason.Stop, ended.FinishReason);
        Assert.Same(usage, ended.Usage);
        Assert.Equal(3, events.OfType<ModelUpdateReceived>().Count());
    }
}
