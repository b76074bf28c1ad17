namespace ToolFlow.Profiling;

/// <summary>
/// A conversation's calls for a real library's run: each by its scenario id, and when it has ended, so a call that
/// needs another's result can wait for it.
/// </summary>
internal sealed class PeerCalls
{
    private readonly Dictionary<string, ScenarioCall> _calls;
    private readonly Dictionary<string, TaskCompletionSource> _ended;

    public PeerCalls(ScenarioConversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        _calls = conversation.Turns.SelectMany(t => t.Calls).ToDictionary(c => c.Id, StringComparer.Ordinal);

        // Continuations run inline: a dependent starts at the instant its last dependency ends, on any clock.
        _ended = _calls.Keys.ToDictionary(id => id, _ => new TaskCompletionSource(), StringComparer.Ordinal);
    }

    public ScenarioCall? Find(string? id) => id is not null && _calls.TryGetValue(id, out ScenarioCall? call) ? call : null;

    public Task WhenEnded(IEnumerable<string> ids) => Task.WhenAll(ids.Select(id => _ended[id].Task));

    public void Ended(string id) => _ended[id].TrySetResult();
}
