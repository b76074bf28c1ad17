using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using ToolFlow.Blocks;
using OpenAIChat = OpenAI.Chat;

namespace ToolFlow.Providers.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> for any server that speaks OpenAI's chat completions (OpenAI, Azure OpenAI, vLLM,
/// Ollama, llama.cpp's server, ...), on the official OpenAI SDK. It streams each tool-call fragment the moment it
/// arrives, as a <see cref="ToolCallUpdateContent"/>, so a ToolFlow pipeline can start a call while the model is
/// still writing the rest of its response.
/// </summary>
/// <remarks>
/// <para>
/// Each SDK update becomes one <see cref="ChatResponseUpdate"/> whose <see cref="ChatResponseUpdate.RawRepresentation"/>
/// is the SDK's <see cref="OpenAIChat.StreamingChatCompletionUpdate"/>: text deltas as <see cref="TextContent"/>,
/// reasoning deltas (<c>reasoning_content</c> or <c>reasoning</c>, as open-model servers send them) as
/// <see cref="TextReasoningContent"/>, one <see cref="ToolCallUpdateContent"/> per tool-call fragment, the finish
/// reason, and token usage as <see cref="UsageContent"/>. Nothing is buffered.
/// </para>
/// <para>
/// Failures surface from the stream as <see cref="OpenAIChatException"/> with a message that says what happened:
/// an HTTP error status (with the server's own message), a server that cannot be reached, a connection lost
/// mid-response, an event that is not valid JSON, an error the server reported in the stream, or a stream that ended
/// without a finish reason. Cancellation through the token surfaces as <see cref="OperationCanceledException"/>.
/// </para>
/// </remarks>
public sealed class OpenAIChatClient : IChatClient
{
    private readonly OpenAIChat.ChatClient _chatClient;
    private readonly OpenAIClient? _client;
    private readonly OpenAIChatClientOptions _options;
    private readonly ConcurrentDictionary<string, OpenAIChat.ChatClient> _otherModels = new(StringComparer.Ordinal);
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a client for the server, key and model in <paramref name="options"/>.</summary>
    /// <param name="options">Endpoint, key, model, retries and timeout.</param>
    /// <exception cref="InvalidOperationException"><see cref="OpenAIChatClientOptions.Model"/> is not set.</exception>
    public OpenAIChatClient(OpenAIChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        var clientOptions = new OpenAIClientOptions();
        if (_options.Endpoint is Uri endpoint)
        {
            clientOptions.Endpoint = endpoint;
        }

        if (_options.MaxRetries is int retries)
        {
            clientOptions.RetryPolicy = new ClientRetryPolicy(retries);
        }

        if (_options.NetworkTimeout is TimeSpan timeout)
        {
            clientOptions.NetworkTimeout = timeout;
        }

#pragma warning disable OPENAI001 // The constructor that takes an authentication policy is an evaluation API; it is how no key is sent.
        _client = string.IsNullOrEmpty(_options.ApiKey)
            ? new OpenAIClient(new NoAuthenticationPolicy(), clientOptions)
            : new OpenAIClient(new ApiKeyCredential(_options.ApiKey), clientOptions);
#pragma warning restore OPENAI001
        _chatClient = _client.GetChatClient(_options.Model);
        Endpoint = _options.Endpoint ?? new Uri("https://api.openai.com/v1");
        _metadata = new ChatClientMetadata("openai", Endpoint, _options.Model);
    }

    /// <summary>
    /// Initializes a client over an SDK <see cref="OpenAIChat.ChatClient"/> you configured yourself (for example one
    /// from Azure's <c>AzureOpenAIClient.GetChatClient</c>).
    /// </summary>
    /// <param name="chatClient">The SDK client; its model is used for every request.</param>
    /// <param name="options">Retry, timeout and token settings are ignored; <see cref="OpenAIChatClientOptions.UseLegacyMaxTokens"/> and
    /// <see cref="OpenAIChatClientOptions.RequireFinishReason"/> apply. <see langword="null"/> for the defaults.</param>
    public OpenAIChatClient(OpenAIChat.ChatClient chatClient, OpenAIChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
#pragma warning disable OPENAI001 // Endpoint and Model are evaluation APIs; they only name the server in messages.
        string model = chatClient.Model;
        Endpoint = chatClient.Endpoint;
#pragma warning restore OPENAI001
        _options = new OpenAIChatClientOptions
        {
            Model = model,
            UseLegacyMaxTokens = options?.UseLegacyMaxTokens ?? false,
            RequireFinishReason = options?.RequireFinishReason ?? true,
        };
        _metadata = new ChatClientMetadata("openai", Endpoint, model);
    }

    /// <summary>The server's base address, for messages.</summary>
    public Uri Endpoint { get; }

    /// <summary>The model every request names unless <see cref="ChatOptions.ModelId"/> says otherwise.</summary>
    public string Model => _options.Model;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        (OpenAIChat.ChatClient client, List<OpenAIChat.ChatMessage> request, OpenAIChat.ChatCompletionOptions completionOptions) = Prepare(messages, options);
        ClientResult<OpenAIChat.ChatCompletion> result;
        try
        {
            result = await client.CompleteChatAsync(request, completionOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, 0, cancellationToken) is { } translated)
        {
            throw translated;
        }

        return OpenAIChatMapping.ToResponse(result.Value);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        (OpenAIChat.ChatClient client, List<OpenAIChat.ChatMessage> request, OpenAIChat.ChatCompletionOptions completionOptions) = Prepare(messages, options);
        IAsyncEnumerator<OpenAIChat.StreamingChatCompletionUpdate> updates = client
            .CompleteChatStreamingAsync(request, completionOptions, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        int received = 0;
        bool finished = false;
        try
        {
            while (true)
            {
                OpenAIChat.StreamingChatCompletionUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception e) when (Translate(e, received, cancellationToken) is { } translated)
                {
                    throw translated;
                }

                if (OpenAIChatMapping.ReadStreamError(update) is string error)
                {
                    throw new OpenAIChatException(
                        $"The model server at {Endpoint} reported an error in the middle of the response (after {Updates(received)}): {error}",
                        null,
                        received,
                        null);
                }

                received++;
                ChatResponseUpdate converted = OpenAIChatMapping.ToUpdate(update);
                finished |= converted.FinishReason is not null;
                yield return converted;
            }
        }
        finally
        {
            await DisposeQuietlyAsync(updates).ConfigureAwait(false);
        }

        if (!finished && _options.RequireFinishReason)
        {
            throw new OpenAIChatException(
                $"The model server at {Endpoint} ended the response after {Updates(received)} without a finish reason: the response was cut short and may be incomplete.",
                null,
                received,
                null);
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(_chatClient) ? _chatClient
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<OpenAIChat.StreamingChatCompletionUpdate> updates)
    {
        try
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            // The response is already broken or abandoned; the exception that matters is the one in flight.
        }
    }

    private (OpenAIChat.ChatClient Client, List<OpenAIChat.ChatMessage> Messages, OpenAIChat.ChatCompletionOptions Options) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        OpenAIChat.ChatClient client = _chatClient;
        if (options?.ModelId is { Length: > 0 } modelId && modelId != _options.Model && _client is not null)
        {
            client = _otherModels.GetOrAdd(modelId, _client.GetChatClient);
        }

        return (
            client,
            OpenAIChatMapping.ToOpenAIMessages(messages, options?.Instructions),
            OpenAIChatMapping.ToOpenAIOptions(options, this, _options.UseLegacyMaxTokens));
    }

    /// <summary>Turns what the SDK or the network threw into an exception that says what happened, or null to let it pass.</summary>
    private OpenAIChatException? Translate(Exception exception, int received, CancellationToken cancellationToken)
    {
        string progress = received == 0 ? "before the response began" : $"after {Updates(received)} of the response";
        switch (exception)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case AggregateException { InnerExceptions.Count: > 0 } retries when Translate(retries.InnerExceptions[^1], received, cancellationToken) is { } last:
                // The SDK's retry policy gave up: report the last failure, and that it was retried.
                return new OpenAIChatException(
                    $"{last.Message} ({Tries(retries.InnerExceptions.Count)})",
                    last.StatusCode,
                    received,
                    exception);
            case OperationCanceledException:
                return new OpenAIChatException(
                    $"The model server at {Endpoint} did not answer in time ({progress}); raise the network timeout for slow models.",
                    null,
                    received,
                    exception);
            case ClientResultException { Status: > 0 } http:
                return new OpenAIChatException(
                    $"The model server at {Endpoint} answered HTTP {http.Status}{ReasonPhrase(http)}: {ErrorDetail(http)}",
                    http.Status,
                    received,
                    exception);
            case ClientResultException or HttpRequestException or IOException when received == 0 && Innermost(exception) is SocketException
            {
                SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.TimedOut,
            } socket:
                return new OpenAIChatException(
                    $"Could not reach the model server at {Endpoint}: {socket.Message}",
                    null,
                    received,
                    exception);
            case IOException or HttpRequestException or ClientResultException:
                return new OpenAIChatException(
                    $"The connection to the model server at {Endpoint} was lost {progress}: {Innermost(exception).Message}",
                    null,
                    received,
                    exception);
            case JsonException:
                return new OpenAIChatException(
                    $"The model server at {Endpoint} sent an event that is not valid JSON ({progress}): {OneLine(exception.Message)}",
                    null,
                    received,
                    exception);
            default:
                return new OpenAIChatException(
                    $"The response from the model server at {Endpoint} could not be read ({progress}): {OneLine(exception.Message)}",
                    null,
                    received,
                    exception);
        }
    }

    private static string Tries(int count) => count == 1 ? "1 try" : $"{count} tries";

    private static string Updates(int count) => count == 1 ? "1 update" : $"{count} updates";

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    private static string ReasonPhrase(ClientResultException exception) =>
        exception.GetRawResponse()?.ReasonPhrase is { Length: > 0 } phrase ? $" ({phrase})" : string.Empty;

    private static string ErrorDetail(ClientResultException exception)
    {
        string? body = null;
        try
        {
            body = exception.GetRawResponse()?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            // The body was not buffered; the SDK's message is all there is.
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return exception.Message;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (OpenAIChatMapping.DescribeError(document.RootElement) is { Length: > 0 } message)
            {
                return message;
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's page or plain text.
        }

        body = body.Trim();
        return body.Length <= 500 ? body : string.Concat(body.AsSpan(0, 500), "...");
    }

    /// <summary>Sends no credentials, for local servers that need none.</summary>
    private sealed class NoAuthenticationPolicy : AuthenticationPolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessNext(message, pipeline, currentIndex);

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessNextAsync(message, pipeline, currentIndex);
    }
}
