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

    private (ScriptedChatClient Model, ChatOptions Options, Dictionary<string, TimeSpan> Started) CreateAnnotated()
    {
        var model = new ScriptedChatClient(
            [
                new ScriptedResponse().Text("Looking.").Call("lookup", """{"query": "a"}""").Call("search", """{"query": "b"}""").Call("send", """{"to": "c"}""")
                    .Text(" This sentence keeps streaming for a good while after every call closed."),
                new ScriptedResponse().Text("Done."),
            ],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });
        var started = new Dictionary<string, TimeSpan>();
        string Record(string name)
        {
            started[name] = _clock.Elapsed;
            return $"{name}-result";
        }

        var options = new ChatOptions
        {
            Tools =
            [
                AIFunctionFactory.Create([ToolEffects(ToolEffects.ReadOnly)] (string query) => Record("lookup"), "lookup"),
                AIFunctionFactory.Create((string query) => Record("search"), new AIFunctionFactoryOptions { Name = "search", AdditionalProperties = ToolHints.ReadOnly }),
                AIFunctionFactory.Create((string to) => Record("send"), "send"),
            ],
        };
        return (model, options, started);
    }

    private void Run(IChatClient client, ChatOptions options, bool streaming) =>
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            ChatMessage[] messages = [new ChatMessage(ChatRole.User, "go")];
            if (streaming)
            {
                await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options))
                {
                    _ = update;
                }
            }
            else
            {
                _ = await client.GetResponseAsync(messages, options);
            }
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AsToolPipelineClient_DefaultDescriptors_AnnotatedToolsStartMidDecodeAndTheUnannotatedOneAtTheEnd(bool streaming)
    {
        (ScriptedChatClient model, ChatOptions options, Dictionary<string, TimeSpan> started) = CreateAnnotated();
        ToolPipelineChatClient client = model.AsToolPipelineClient(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler));

        Run(client, options, streaming);

        // Turn 1 is requested at 0, so its decode ends at its stream's duration.
        ScriptedStream turn1 = model.Streams.First();
        Assert.Equal(["lookup", "search", "send"], turn1.CallNames);
        Assert.Equal(turn1.CallClosedOffsets[0], started["lookup"]);
        Assert.Equal(turn1.CallClosedOffsets[1], started["search"]);
        Assert.True(started["search"] < turn1.DecodeDuration);
        Assert.True(started["send"] >= turn1.DecodeDuration);
    }

    [Fact]
    public void AsToolPipelineClient_ConfiguredToolOfTheSameName_ItsExplicitEffectsWinOverTheMetadata()
    {
        (ScriptedChatClient model, ChatOptions options, Dictionary<string, TimeSpan> started) = CreateAnnotated();
        AIFunction lookup = options.Tools!.OfType<AIFunction>().Single(t => t.Name == "lookup");
        ToolPipelineChatClient client = model.AsToolPipelineClient(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler).AddTool(lookup, ToolEffects.SideEffecting));

        Run(client, options, streaming: true);

        Assert.True(started["lookup"] >= model.Streams.First().DecodeDuration);
        Assert.True(started["search"] < model.Streams.First().DecodeDuration);
    }

    [Fact]
    public void DescriptorFactory_Set_ReplacesTheMetadata()
    {
        (ScriptedChatClient model, ChatOptions options, Dictionary<string, TimeSpan> started) = CreateAnnotated();
        ToolPipelineChatClient client = model.AsToolPipelineClient(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler));
        client.DescriptorFactory = static f => new ToolDescriptor(f);

        Run(client, options, streaming: true);

        Assert.All(started.Values, at => Assert.True(at >= model.Streams.First().DecodeDuration));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GetResponseAsync_ModelStreamFails_EndsWithItsException(bool streaming)
    {
        var failure = new InvalidOperationException("The model's connection dropped.");
        ToolPipelineChatClient client = new FailingChatClient(failure).AsToolPipelineClient(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler));
        var texts = new List<string>();
        Exception? thrown = null;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            try
            {
                if (streaming)
                {
                    await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "go")]))
                    {
                        texts.Add(update.Text);
                    }
                }
                else
                {
                    _ = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "go")]);
                }
            }
            catch (InvalidOperationException e)
            {
                thrown = e;
            }
        });

        // The caller (and any middleware around the client) sees the failure itself, after the text that came before it.
        Assert.Same(failure, thrown);
        Assert.Equal(streaming ? ["Half an ans"] : [], texts);
    }

    /// <summary>A model whose stream sends some text and then fails.</summary>
    private sealed class FailingChatClient(Exception failure) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The pipeline streams.");

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages,
            ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Half an ans");
            throw failure;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
    [Fact]
    public void GetStreamingResponseAsync_RunStartedCallback_CallerCancelsACallFromItsUpdateAndTheModelNeverSeesTheKey()
    {
        var seen = new List<ChatOptions?>();
        var model = new OptionsRecordingClient(
            new ScriptedChatClient(
                [
                    new ScriptedResponse().Text("Checking both.").Call("slow", """{"q": 1}""").Call("fast", """{"q": 2}""").Text(" More text."),
                    new ScriptedResponse().Text("One is back."),
                ],
                new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 }),
            seen);
        var tools = new TestTools(_clock);
        IChatClient client = new ChatClientBuilder(model)
            .UseToolPipeline(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler), c => c.DescriptorFactory = f => new ToolDescriptor(f, ToolEffects.ReadOnly))
            .Build();
        ToolPipelineRun? run = null;
        var options = new ChatOptions
        {
            Tools = [tools.Delayed("slow", TimeSpan.FromMilliseconds(400), "S"), tools.Delayed("fast", TimeSpan.FromMilliseconds(50), "F")],
            AdditionalProperties = new() { [ToolPipelineChatClient.RunStartedKey] = (Action<ToolPipelineRun>)(r => run = r), ["kept"] = 1 },
        };
        var updates = new List<ChatResponseUpdate>();
        ToolControlResult? cancelled = null;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "go")], options))
            {
                Assert.NotNull(run);
                updates.Add(update);
                if (update.Contents.OfType<FunctionCallContent>().FirstOrDefault() is { Name: "slow" } call)
                {
                    cancelled = run!.CancelCall(call.CallId);
                }
            }
        });

        Assert.Equal(ToolControlResult.Applied, cancelled);
        FunctionResultContent slow = updates.SelectMany(u => u.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == "call_t1_0");
        Assert.Contains("cancelled", Assert.IsType<string>(slow.Result), StringComparison.Ordinal);
        Assert.Equal("One is back.", string.Concat(updates.Where(u => u.MessageId == "toolflow-turn-2").Select(u => u.Text)));
        Assert.Equal(ToolControlResult.CallEnded, run!.CancelCall("call_t1_1"));

        // The callback is the client's: the model's requests carry the caller's other properties only.
        Assert.Equal(2, seen.Count);
        Assert.All(seen, o => Assert.Equal(["kept"], o!.AdditionalProperties!.Keys));
        Assert.True(options.AdditionalProperties.ContainsKey(ToolPipelineChatClient.RunStartedKey), "the caller's options are left as they were");
    }

    [Fact]
    public void GetResponseAsync_RunStartedCallbackWithExternalApproval_ApprovalGivenLaterRunsTheCall()
    {
        var model = new ScriptedChatClient(
            [new ScriptedResponse().Call("pay", """{"amount": 10}"""), new ScriptedResponse().Text("Paid.")],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });
        var tools = new TestTools(_clock);
        ToolPipelineChatClient client = model.AsToolPipelineClient(b => b.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler).WithExternalApproval());
        client.DescriptorFactory = f => new ToolDescriptor(f, ToolEffects.Idempotent) { RequiresApproval = true };
        var answers = new List<ToolControlResult>();
        Task? approval = null;
        var options = new ChatOptions
        {
            Tools = [tools.Delayed("pay", TimeSpan.FromMilliseconds(40), "paid")],
            AdditionalProperties = new()
            {
                [ToolPipelineChatClient.RunStartedKey] = (Action<ToolPipelineRun>)(run => approval = ApproveLaterAsync(run)),
            },
        };
        ChatResponse response = null!;

        async Task ApproveLaterAsync(ToolPipelineRun run)
        {
            // A person answers a second later, from outside the request.
            await Task.Delay(TimeSpan.FromSeconds(1), _clock).ConfigureAwait(false);
            answers.Add(run.Approve("call_t1_0"));
            answers.Add(run.Approve("call_t1_0"));
        }

        VirtualTime.Run(_clock, _scheduler, async () => response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "pay")], options));

        Assert.True(approval!.IsCompletedSuccessfully);
        Assert.Equal([ToolControlResult.Applied, ToolControlResult.AlreadyApproved], answers);
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(tools.Invocations).At);
        Assert.Equal("Paid.", response.Messages[^1].Text);
    }

    [Fact]
    public async Task GetResponseAsync_RunStartedKeyHoldsSomethingElse_FailsWithAClearError()
    {
        IChatClient client = new ScriptedChatClient([new ScriptedResponse().Text("Hi.")]).AsToolPipelineClient();
        var options = new ChatOptions { AdditionalProperties = new() { [ToolPipelineChatClient.RunStartedKey] = "not a callback" } };

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], options));
        Assert.Contains("Action<ToolPipelineRun>", e.Message, StringComparison.Ordinal);
    }

    private sealed class OptionsRecordingClient(IChatClient inner, List<ChatOptions?> seen) : DelegatingChatClient(inner)
    {
        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            seen.Add(options);
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }
    }
}
