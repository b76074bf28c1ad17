using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Providers.Scripted;

/// <summary>
/// The embedded default model: an <see cref="IChatClient"/> that streams a scripted response, token by token, at a
/// set time to first token and decode speed, on the injected <see cref="TimeProvider"/>. Tokens are a few
/// characters each, so every call is split across many chunks, as a real model sends it.
/// </summary>
/// <remarks>
/// The script picks each turn's response from the conversation, so a later turn can use earlier results. Token
/// times are absolute from the start of the request, so delays never accumulate drift. Each streamed update carries
/// its <see cref="ScriptedToken"/> as its <see cref="ChatResponseUpdate.RawRepresentation"/>.
/// </remarks>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Func<IReadOnlyList<ChatMessage>, ScriptedResponse> _script;
    private readonly ScriptedModelOptions _options;
    private readonly ConcurrentQueue<ScriptedStream> _streams = new();

    /// <summary>Initializes a model whose turn N answers with <paramref name="turns"/>[N - 1].</summary>
    /// <param name="turns">One response per turn.</param>
    /// <param name="options">Speed and call shape, or <see langword="null"/> for the defaults.</param>
    public ScriptedChatClient(IReadOnlyList<ScriptedResponse> turns, ScriptedModelOptions? options = null)
        : this(ByTurn(turns), options)
    {
    }

    /// <summary>Initializes a model whose response is chosen from the conversation by <paramref name="script"/>.</summary>
    /// <param name="script">Picks the response to the conversation it is given.</param>
    /// <param name="options">Speed and call shape, or <see langword="null"/> for the defaults.</param>
    public ScriptedChatClient(Func<IReadOnlyList<ChatMessage>, ScriptedResponse> script, ScriptedModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        _script = script;
        _options = (options ?? new ScriptedModelOptions()).Clone();
    }

    /// <summary>The options in force.</summary>
    public ScriptedModelOptions Options => _options.Clone();

    /// <summary>Every stream this model has sent, in request order.</summary>
    public IReadOnlyCollection<ScriptedStream> Streams => _streams;

    /// <summary>The turn a conversation is at: one more than its assistant messages.</summary>
    /// <param name="messages">The conversation.</param>
    /// <returns>The turn, from 1.</returns>
    public static int TurnOf(IEnumerable<ChatMessage> messages) => messages.Count(m => m.Role == ChatRole.Assistant) + 1;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        long start = _options.TimeProvider.GetTimestamp();
        (ScriptedResponse response, ScriptedStream stream, string responseId) = Prepare(messages);
        await DelayUntilAsync(start, stream.DecodeDuration, cancellationToken).ConfigureAwait(false);

        var contents = new List<AIContent>();
        string text = string.Concat(response.Segments.Where(s => !s.IsCall).Select(s => s.Text));
        if (text.Length > 0)
        {
            contents.Add(new TextContent(text));
        }

        List<FunctionCallContent> calls = WholeCalls(response, CallIdPrefix(messages));
        contents.AddRange(calls);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ResponseId = responseId,
            FinishReason = calls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails { OutputTokenCount = stream.TokenCount, TotalTokenCount = stream.TokenCount },
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long start = _options.TimeProvider.GetTimestamp();
        ChatMessage[] conversation = [.. messages];
        (ScriptedResponse response, ScriptedStream stream, string responseId) = Prepare(conversation);
        IReadOnlyList<ScriptedToken> tokens = stream.Tokens;
        bool wholeCallsAtEnd = _options.CallShape == ScriptedToolCallShape.OpenAIDeltasThenWholeCalls && stream.CallNames.Count > 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            await DelayUntilAsync(start, tokens[i].Offset, cancellationToken).ConfigureAwait(false);

            // The token rides along as the raw representation, as a provider client's own update does.
            var update = new ChatResponseUpdate(ChatRole.Assistant, [tokens[i].Content])
            {
                ResponseId = responseId,
                MessageId = responseId,
                RawRepresentation = tokens[i],
            };
            if (i == tokens.Count - 1 && !wholeCallsAtEnd)
            {
                Finish(update, stream);
            }

            yield return update;
        }

        if (wholeCallsAtEnd)
        {
            // Microsoft.Extensions.AI.OpenAI gathers the fragments into whole calls and yields them once the stream ends.
            var update = new ChatResponseUpdate(ChatRole.Assistant, [.. WholeCalls(response, CallIdPrefix(conversation))])
            {
                ResponseId = responseId,
                MessageId = responseId,
            };
            Finish(update, stream);
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this : null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static Func<IReadOnlyList<ChatMessage>, ScriptedResponse> ByTurn(IReadOnlyList<ScriptedResponse> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        return messages =>
        {
            int turn = TurnOf(messages);
            return turn <= turns.Count
                ? turns[turn - 1]
                : throw new InvalidOperationException($"The script has {turns.Count} turns; turn {turn} was requested.");
        };
    }

    private static string CallIdPrefix(IEnumerable<ChatMessage> messages) => $"call_t{TurnOf(messages)}_";

    private static List<FunctionCallContent> WholeCalls(ScriptedResponse response, string callIdPrefix)
    {
        var calls = new List<FunctionCallContent>();
        foreach (ScriptedSegment call in response.Segments.Where(s => s.IsCall))
        {
            // Malformed scripted arguments become the content's Exception, as a provider client reports them.
            calls.Add(FunctionCallContent.CreateFromParsedArguments(
                call.ArgumentsJson!,
                $"{callIdPrefix}{calls.Count}",
                call.CallName!,
                static json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions)));
        }

        return calls;
    }

    private static void Finish(ChatResponseUpdate update, ScriptedStream stream)
    {
        update.FinishReason = stream.CallNames.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;
        update.Contents.Add(new UsageContent(new UsageDetails { OutputTokenCount = stream.TokenCount, TotalTokenCount = stream.TokenCount }));
    }

    private (ScriptedResponse Response, ScriptedStream Stream, string ResponseId) Prepare(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ChatMessage[] conversation = [.. messages];
        ScriptedResponse response = _script(conversation);
        ScriptedStream stream = ScriptedStream.Render(response, _options, CallIdPrefix(conversation));
        _streams.Enqueue(stream);
        return (response, stream, $"scripted-{TurnOf(conversation)}");
    }

    private async Task DelayUntilAsync(long start, TimeSpan offset, CancellationToken cancellationToken)
    {
        TimeSpan wait = offset - _options.TimeProvider.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            // Timers count whole milliseconds and would truncate; round up so a token is never early.
            wait = TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));
            await Task.Delay(wait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
