using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace ToolFlow.Orleans;

/// <summary>See <see cref="IConversationOwnerGrain"/>; stored in the conversations' grain storage.</summary>
internal sealed class ConversationOwnerGrain(IOptions<ToolFlowConversationsOptions> options) : Grain, IConversationOwnerGrain
{
    private GrainStateStore<OwnerRecord>? _record;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        IGrainStorage storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(options.Value.StorageName);
        _record = new GrainStateStore<OwnerRecord>(storage, "toolflow.owner", this.GetGrainId());
        await _record.ReadAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    public async Task<bool> TryAddAsync(string conversationId, int max, CancellationToken cancellationToken)
    {
        List<string> ids = _record!.Value?.Conversations ?? [];
        if (ids.Contains(conversationId, StringComparer.Ordinal))
        {
            return true;
        }

        if (ids.Count >= max)
        {
            return false;
        }

        await _record.WriteAsync(_ => new OwnerRecord { Conversations = [.. ids, conversationId] }, cancellationToken)
            .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        return true;
    }

    public async Task RemoveAsync(string conversationId, CancellationToken cancellationToken)
    {
        List<string> ids = _record!.Value?.Conversations ?? [];
        if (ids.Contains(conversationId, StringComparer.Ordinal))
        {
            await _record.WriteAsync(_ => new OwnerRecord { Conversations = [.. ids.Where(id => id != conversationId)] }, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(_record!.Value?.Conversations.Count ?? 0);
}
