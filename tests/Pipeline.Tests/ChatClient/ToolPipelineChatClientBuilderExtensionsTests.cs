using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// <see cref="ToolPipelineChatClientBuilderExtensions.UseToolPipeline"/> in chains with the framework's real
/// middlewares (<c>UseOpenTelemetry</c>, <c>UseLogging</c>, <c>UseDistributedCache</c>) over the scripted model, on
/// either side of the pipeline, streaming and not.
/// </summary>
public sealed class ToolPipelineChatClientBuilderExtensionsTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly ScriptedChatClient _model;
    private readonly TestTools _tools;
    private readonly ChatOptions _options;

    public ToolPipelineChatClientBuilderExtensionsTests()
    {
        _model = new ScriptedChatClient(
            [
                new ScriptedResponse().Text("Checking.").Call("lookup", """{"q": 1}""").Text(" This sentence keeps streaming for a good while after the call closed."),
                new ScriptedResponse().Text("It is back."),
            ],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });
        _tools = new TestTools(_clock);
        _options = new ChatOptions { ModelId = "scripted", Tools = [new HintedFunction(_tools.Delayed("lookup", TimeSpan.FromMilliseconds(200), "L"), ToolHints.ReadOnly)] };
    }

    private void Pipeline(ToolPipelineBuilder builder) => builder.WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler);

    private TimeSpan Turn1DecodeEnd => _model.Streams.First().DecodeDuration;

    private ChatResponse Ask(IChatClient client, bool streaming)
    {
        ChatResponse response = null!;
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            ChatMessage[] messages = [new ChatMessage(ChatRole.User, "go")];
            if (streaming)
            {
                List<ChatResponseUpdate> updates = [];
                await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, _options))
                {
                    updates.Add(update);
                }

                response = updates.ToChatResponse();
            }
            else
            {
                response = await client.GetResponseAsync(messages, _options);
            }
        });
        return response;
    }

    private static void AssertWholeExchange(ChatResponse response)
    {
        Assert.Equal("It is back.", response.Messages[^1].Text);
        Assert.Equal("lookup", Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()).Name);
        Assert.Equal("L", Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()).Result?.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseOpenTelemetry_OutsideThePipeline_OneChatSpanForTheWholeExchange(bool streaming)
    {
        using var spans = new SpanRecorder();
        IChatClient client = new ChatClientBuilder(_model)
            .UseOpenTelemetry(sourceName: spans.SourceName)
            .UseToolPipeline(Pipeline)
            .Build();

        ChatResponse response = Ask(client, streaming);

        AssertWholeExchange(response);
        Activity span = Assert.Single(spans.Stopped);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("scripted", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("""["stop"]""", span.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(35, span.GetTagItem("gen_ai.usage.output_tokens"));

        // The tool still started the moment its call closed, mid-decode.
        (_, TimeSpan at, _) = Assert.Single(_tools.Invocations);
        Assert.Equal(_model.Streams.First().CallClosedOffsets[0], at);
        Assert.True(at < Turn1DecodeEnd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseOpenTelemetry_InsideThePipeline_OneChatSpanPerModelRequest(bool streaming)
    {
        using var spans = new SpanRecorder();
        IChatClient client = new ChatClientBuilder(_model)
            .UseToolPipeline(Pipeline)
            .UseOpenTelemetry(sourceName: spans.SourceName, configure: c => c.EnableSensitiveData = true)
            .Build();

        ChatResponse response = Ask(client, streaming);

        AssertWholeExchange(response);

        // The pipeline always streams from the model; each turn is its own request and its own span.
        Assert.Equal(2, spans.Stopped.Count);
        Assert.All(spans.Stopped, s => Assert.Equal("chat", s.GetTagItem("gen_ai.operation.name")));
        Assert.All(spans.Stopped, s => Assert.Equal(true, s.GetTagItem("gen_ai.request.stream")));
        Assert.Equal(["""["tool_calls"]""", """["stop"]"""], spans.Stopped.Select(s => s.GetTagItem("gen_ai.response.finish_reasons")));
        Assert.All(spans.Stopped, s => Assert.Contains("lookup", Assert.IsType<string>(s.GetTagItem("gen_ai.tool.definitions")), StringComparison.Ordinal));
        Assert.Contains("lookup", Assert.IsType<string>(spans.Stopped[0].GetTagItem("gen_ai.output.messages")), StringComparison.Ordinal);
        Assert.True(Assert.Single(_tools.Invocations).At < Turn1DecodeEnd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseLogging_OutsideAndInside_LogsTheExchangeOnceAndEachModelRequest(bool streaming)
    {
        var outsideLog = new ListLoggerProvider();
        var insideLog = new ListLoggerProvider();
        using ILoggerFactory outside = LoggerFactory.Create(b => b.AddProvider(outsideLog).SetMinimumLevel(LogLevel.Trace));
        using ILoggerFactory inside = LoggerFactory.Create(b => b.AddProvider(insideLog).SetMinimumLevel(LogLevel.Trace));
        IChatClient client = new ChatClientBuilder(_model)
            .UseLogging(outside)
            .UseToolPipeline(Pipeline)
            .UseLogging(inside, c => c.JsonSerializerOptions = ToolFlowJsonUtilities.DefaultOptions)
            .Build();

        ChatResponse response = Ask(client, streaming);

        AssertWholeExchange(response);
        string method = streaming ? "GetStreamingResponseAsync" : "GetResponseAsync";
        Assert.Equal([$"{method} invoked", $"{method} completed"], outsideLog.Calls);
        Assert.Equal(
            ["GetStreamingResponseAsync invoked", "GetStreamingResponseAsync completed", "GetStreamingResponseAsync invoked", "GetStreamingResponseAsync completed"],
            insideLog.Calls);

        // At trace level the outer logger sees the tool's result in what the pipeline answered, the inner one in the
        // conversation the pipeline sends back to the model.
        Assert.Contains(outsideLog.Messages, m => m.Contains("\"functionResult\"", StringComparison.Ordinal) && m.Contains("\"L\"", StringComparison.Ordinal));
        Assert.Contains(insideLog.Messages, m => m.StartsWith("GetStreamingResponseAsync invoked:", StringComparison.Ordinal) && m.Contains("\"functionResult\"", StringComparison.Ordinal));

        // With ToolFlow's JSON settings the inner logger writes the model's call fragments; with the default ones, "{}".
        Assert.Contains(insideLog.Messages, m => m.StartsWith("GetStreamingResponseAsync received update:", StringComparison.Ordinal) && m.Contains(ToolFlowJsonUtilities.ToolCallUpdateDiscriminator, StringComparison.Ordinal));
        Assert.True(Assert.Single(_tools.Invocations).At < Turn1DecodeEnd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseDistributedCache_OutsideThePipeline_SecondRequestAnsweredWithoutTheModelOrTheTools(bool streaming)
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        IChatClient client = new ChatClientBuilder(_model)
            .UseDistributedCache(cache)
            .UseToolPipeline(Pipeline)
            .Build();

        ChatResponse first = Ask(client, streaming);
        ChatResponse second = Ask(client, streaming);

        AssertWholeExchange(first);
        AssertWholeExchange(second);
        Assert.Equal(2, _model.Streams.Count);
        Assert.Single(_tools.Invocations);
        Assert.Equal(
            first.Messages.Select(m => (m.Role, m.Text)),
            second.Messages.Select(m => (m.Role, m.Text)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseDistributedCache_InsideThePipeline_SecondRequestReplaysEachModelTurnButRunsTheToolsAgain(bool streaming)
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        IChatClient client = new ChatClientBuilder(_model)
            .UseToolPipeline(Pipeline)
            .UseDistributedCache(cache, c => c.JsonSerializerOptions = ToolFlowJsonUtilities.DefaultOptions)
            .Build();

        ChatResponse first = Ask(client, streaming);
        ChatResponse second = Ask(client, streaming);

        AssertWholeExchange(first);
        AssertWholeExchange(second);
        Assert.Equal(2, _model.Streams.Count);
        Assert.Equal(2, _tools.Invocations.Count);
    }

    [Fact]
    public void UseDistributedCache_InsideThePipelineWithDefaultJson_ToolFlowsCallFragmentsFailTheRequestLoudly()
    {
        // The scripted model streams calls as ToolCallUpdateContent, as ToolFlow's own model clients do; the cache's
        // default JSON settings do not know that type, so writing the turn to the cache fails.
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        IChatClient client = new ChatClientBuilder(_model)
            .UseToolPipeline(Pipeline)
            .UseDistributedCache(cache)
            .Build();

        NotSupportedException e = Assert.Throws<NotSupportedException>(() => Ask(client, streaming: false));

        Assert.Contains(nameof(ToolCallUpdateContent), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseToolPipeline_RecommendedOrder_TracesEveryRequestAnswersTheRepeatFromTheCacheLogsEachModelRequest(bool streaming)
    {
        using var spans = new SpanRecorder();
        var log = new ListLoggerProvider();
        using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        IChatClient client = new ChatClientBuilder(_model)
            .UseOpenTelemetry(sourceName: spans.SourceName)
            .UseDistributedCache(cache)
            .UseToolPipeline(Pipeline)
            .UseLogging(loggerFactory)
            .Build();

        AssertWholeExchange(Ask(client, streaming));
        AssertWholeExchange(Ask(client, streaming));

        Assert.Equal(2, spans.Stopped.Count);
        Assert.Equal(2, _model.Streams.Count);
        Assert.Equal(4, log.Calls.Count);
        Assert.True(Assert.Single(_tools.Invocations).At < Turn1DecodeEnd);
    }

    /// <summary>A tool carrying hints in its additional properties, as a function from another library might.</summary>
    private sealed class HintedFunction(AIFunction inner, IReadOnlyDictionary<string, object?> hints) : DelegatingAIFunction(inner)
    {
        public override IReadOnlyDictionary<string, object?> AdditionalProperties => hints;
    }

    /// <summary>Records the chat spans of one activity source, named uniquely so tests running alongside do not mix in.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == SourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public string SourceName { get; } = $"toolflow-tests-{Guid.NewGuid():N}";

        public IReadOnlyList<Activity> Stopped => [.. _stopped];

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>A logger provider that keeps every message, by level.</summary>
    private sealed class ListLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

        public IReadOnlyList<string> Messages => [.. _entries.Select(e => e.Message)];

        /// <summary>Each "invoked" and "completed" entry as method and word, whether logged plainly or with its data.</summary>
        public IReadOnlyList<string> Calls =>
            [.. Messages.Select(m => m.Split(' ', 3)).Where(w => w.Length > 1 && (w[1].StartsWith("invoked", StringComparison.Ordinal) || w[1].StartsWith("completed", StringComparison.Ordinal))).Select(w => $"{w[0]} {w[1].TrimEnd('.', ':')}")];

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner._entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
