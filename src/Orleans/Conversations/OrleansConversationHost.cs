using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Messaging;
using ToolFlow.AspNetCore;

namespace ToolFlow.Orleans;

/// <summary>The chat endpoints' conversations as grains, reached through this app's grain factory (a co-hosted silo's, or a cluster client's).</summary>
internal sealed class OrleansConversationHost(IGrainFactory grains, IOptions<ToolPipelineChatOptions> options, IHostApplicationLifetime? lifetime = null, ILoggerFactory? loggers = null)
    : IConversationHost
{
    public ToolPipelineChatOptions Options { get; } = options.Value;

    public CancellationToken Stopping { get; } = lifetime?.ApplicationStopping ?? CancellationToken.None;

    public ILogger Logger { get; } = (loggers ?? NullLoggerFactory.Instance).CreateLogger("ToolFlow.Orleans.Conversations");

    public async ValueTask<IConversationHandle?> CreateAsync(string owner, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        string id = Guid.NewGuid().ToString("N");
        IConversationGrain grain = grains.GetGrain<IConversationGrain>(id);
        bool created = await grain.CreateAsync(owner, new Dictionary<string, string>(settings, StringComparer.Ordinal), Options.MaxConversationsPerOwner, cancellationToken).ConfigureAwait(false);
        return created ? new OrleansConversation(this, grain, id, owner) : null;
    }

    public bool IsUnavailable(Exception exception) => IsTransient(exception);

    /// <summary>
    /// The failures of a grain call whose silo died or cannot be reached: once membership declares it dead (about a
    /// second), the next call activates the conversation elsewhere.
    /// </summary>
    internal static bool IsTransient(Exception exception) =>
        exception is OrleansMessageRejectionException or ConnectionFailedException or TimeoutException;

    public async ValueTask<IConversationHandle?> FindAsync(string id, string owner, CancellationToken cancellationToken)
    {
        IConversationGrain grain = grains.GetGrain<IConversationGrain>(id);
        return await grain.IsOwnedByAsync(owner, cancellationToken).ConfigureAwait(false) ? new OrleansConversation(this, grain, id, owner) : null;
    }
}
