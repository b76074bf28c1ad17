using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests;

/// <summary>A model whose streaming response is whatever <see cref="Stream"/> yields; the test sets it.</summary>
internal sealed class FakeChatClient : IChatClient
{
    /// <summary>Streams the response to a request. Default: no updates.</summary>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> Stream { get; set; } =
        static (_, _, _) => AsyncEnumerable.Empty<ChatResponseUpdate>();

    /// <summary>Every request: the conversation and options it carried.</summary>
    public List<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The blocks only stream.");

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatMessage[] conversation = [.. messages];
        Requests.Add((conversation, options));
        return Stream(conversation, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    /// <summary>Yields <paramref name="updates"/>, then throws <paramref name="error"/>.</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> ThenThrow(IEnumerable<ChatResponseUpdate> updates, Exception error, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (ChatResponseUpdate update in updates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return update;
        }

        await Task.CompletedTask;
        throw error;
    }
}
