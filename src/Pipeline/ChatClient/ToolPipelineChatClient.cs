using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// ToolFlow for code that only knows <see cref="IChatClient"/>: wraps a chat client and runs the tools the caller
/// passes in <see cref="ChatOptions.Tools"/> (plus any configured ones) through a <see cref="ToolPipeline"/>. From the
/// caller's side it behaves like <c>FunctionInvokingChatClient</c>: the response holds the final text and every
/// message the tool loop added, streaming or not; only each tool starts the moment its call is complete. A model
/// stream that fails ends the request with that stream's exception (after the updates received before it, when
/// streaming).
/// </summary>
/// <remarks>
/// To control a request while it runs (cancel a call, a branch or the turn; approve or deny a call), put an
/// <see cref="Action{T}"/> of <see cref="ToolPipelineRun"/> in the request's
/// <see cref="ChatOptions.AdditionalProperties"/> under <see cref="RunStartedKey"/>: it is called with the request's
/// run handle as the request starts, before the first update, and the key is not passed on to the model. Keep the
/// handle for the request's lifetime; its <see cref="ToolPipelineRun.Events"/> are read by this client, not by the
/// callback.
/// <code>
/// ToolPipelineRun? run = null;
/// var options = new ChatOptions { Tools = tools, AdditionalProperties = new() { [ToolPipelineChatClient.RunStartedKey] = (Action&lt;ToolPipelineRun&gt;)(r => run = r) } };
/// await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options))
/// {
///     if (update.Contents.OfType&lt;FunctionCallContent&gt;().FirstOrDefault() is { Name: "slow" } call) run!.CancelCall(call.CallId);
/// }
/// </code>
/// </remarks>
public sealed class ToolPipelineChatClient : DelegatingChatClient
{
    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key of an <see cref="Action{T}"/> of
    /// <see cref="ToolPipelineRun"/>, called with each request's run handle as the request starts. A value of any other
    /// type fails the request with an <see cref="ArgumentException"/>.
    /// </summary>
    public const string RunStartedKey = "ToolFlow.RunStarted";

    private readonly Action<ToolPipelineBuilder>? _configure;

    /// <summary>Wraps a chat client.</summary>
    /// <param name="innerClient">The model.</param>
    /// <param name="configure">Configures each request's pipeline: tools with their descriptors, caps, clock.</param>
    public ToolPipelineChatClient(IChatClient innerClient, Action<ToolPipelineBuilder>? configure = null)
        : base(innerClient)
    {
        _configure = configure;
    }

    /// <summary>
    /// Describes a tool that arrives in <see cref="ChatOptions.Tools"/>. Default: <see cref="ToolDescriptor.FromMetadata"/>,
    /// so a tool annotated as read-only or idempotent (MCP hints in its additional properties, a
    /// <see cref="ToolEffectsAttribute"/> on its method, an MCP client tool's annotations) starts the moment its call
    /// closes, and an unannotated one is side-effecting: its calls wait for the response to end cleanly. A tool
    /// configured on the pipeline under the same name wins over the one in the options.
    /// </summary>
    public Func<AIFunction, ToolDescriptor> DescriptorFactory
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = ToolDescriptor.FromMetadata;

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ChatMessage[] input = [.. messages];
        var exchange = new Exchange();
        ToolPipelineRun pipelineRun = Start(input, options, cancellationToken);
        await using ConfiguredAsyncDisposable disposeRun = pipelineRun.ConfigureAwait(false);
        await foreach (ToolPipelineEvent @event in pipelineRun.Events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            exchange.Observe(@event);
        }

        List<ChatMessage> added = [.. exchange.Completed!.Messages.Skip(input.Length)];
        return new ChatResponse(added)
        {
            FinishReason = exchange.Last?.FinishReason,
            ResponseId = exchange.Last?.Message.MessageId,
            Usage = exchange.Usage,
        };
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var exchange = new Exchange();
        ToolPipelineRun pipelineRun = Start([.. messages], options, cancellationToken);
        await using ConfiguredAsyncDisposable disposeRun = pipelineRun.ConfigureAwait(false);
        await foreach (ToolPipelineEvent @event in pipelineRun.Events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            exchange.Observe(@event);
            string messageId = $"toolflow-turn-{@event.Turn}";
            ChatResponseUpdate? update = @event switch
            {
                TextDelta text => new ChatResponseUpdate(ChatRole.Assistant, text.Text) { MessageId = messageId },
                ReasoningDelta reasoning => new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent(reasoning.Text)]) { MessageId = messageId },
                ToolCallClosed closed => new ChatResponseUpdate(ChatRole.Assistant, [ToContent(closed.Call)]) { MessageId = messageId },
                ToolCallCompleted done => new ChatResponseUpdate(ChatRole.Tool, [new FunctionResultContent(done.Call.CallId, done.ResultForModel ?? done.Result)]) { MessageId = $"{messageId}-tool" },
                ToolCallFailed failed => new ChatResponseUpdate(ChatRole.Tool, [new FunctionResultContent(failed.Call.CallId, failed.ResultForModel) { Exception = failed.Exception }]) { MessageId = $"{messageId}-tool" },
                ResponseCompleted { Calls.Count: 0, Error: null } response => new ChatResponseUpdate { Role = ChatRole.Assistant, MessageId = messageId, FinishReason = response.FinishReason },

                // The whole exchange's usage, as the non-streaming response carries it; folding the updates takes it out of the messages.
                RunCompleted => new ChatResponseUpdate { Contents = [new UsageContent(exchange.Usage)] },
                _ => null,
            };
            if (update is not null)
            {
                update.CreatedAt = @event.Timestamp;
                update.RawRepresentation = @event;
                yield return update;
            }
        }
    }

    private static FunctionCallContent ToContent(ToolCall call) =>
        new(call.CallId, call.Name, call.Arguments is null ? null : new Dictionary<string, object?>(call.Arguments));

    // Starts the request's run and hands its handle to the caller's callback, if any, before the first event.
    private ToolPipelineRun Start(ChatMessage[] messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        Action<ToolPipelineRun>? runStarted = null;
        if (options?.AdditionalProperties?.TryGetValue(RunStartedKey, out object? value) == true)
        {
            runStarted = value as Action<ToolPipelineRun>
                ?? throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{RunStartedKey}\"] must be an Action<ToolPipelineRun>, not {value?.GetType().Name ?? "null"}.", nameof(options));
        }

        ToolPipelineRun run = Build(options).Start(messages, cancellationToken);
        runStarted?.Invoke(run);
        return run;
    }

    private ToolPipeline Build(ChatOptions? options)
    {
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(InnerClient);
        _configure?.Invoke(builder);
        ChatOptions? forwarded = options?.Clone();
        if (forwarded?.Tools is { } tools)
        {
            foreach (AIFunction function in tools.OfType<AIFunction>())
            {
                if (!builder.HasTool(function.Name))
                {
                    builder.AddTool(DescriptorFactory(function));
                }
            }

            // The pipeline offers the model its own tools on every request.
            forwarded.Tools = [.. tools.Where(t => t is not AIFunction)];
        }

        // The callback is for this client, not the model's request.
        if (forwarded?.AdditionalProperties?.Remove(RunStartedKey) == true && forwarded.AdditionalProperties.Count == 0)
        {
            forwarded.AdditionalProperties = null;
        }

        if (forwarded is not null)
        {
            builder.Configure(o => o.ChatOptions = forwarded);
        }

        return builder.Build();
    }

    /// <summary>What both response shapes take from a run's events: its last response, the summed usage, its end.</summary>
    private sealed class Exchange
    {
        private long _inputTokens;
        private long _outputTokens;

        public ResponseCompleted? Last { get; private set; }

        public RunCompleted? Completed { get; private set; }

        public UsageDetails Usage => new() { InputTokenCount = _inputTokens, OutputTokenCount = _outputTokens, TotalTokenCount = _inputTokens + _outputTokens };

        public void Observe(ToolPipelineEvent @event)
        {
            if (@event is ResponseCompleted response)
            {
                Last = response;
                _outputTokens += response.Usage?.OutputTokenCount ?? 0;
                _inputTokens += response.Usage?.InputTokenCount ?? 0;
            }
            else if (@event is RunCompleted run)
            {
                Completed = run;

                // Middleware around this client (telemetry, logging, caching) and its caller see a failed model stream
                // as the exception it was, as they would from the model itself, not as a shorter answer.
                if (run.Reason == RunCompletionReason.ModelFailed && Last?.Error is { } error)
                {
                    ExceptionDispatchInfo.Throw(error);
                }
            }
        }
    }
}
