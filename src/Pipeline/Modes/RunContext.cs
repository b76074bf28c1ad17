namespace ToolFlow.Pipeline;

/// <summary>What names a run and what it is recorded and resumed with.</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="ConversationId">Its conversation's id.</param>
/// <param name="Recorder">Its ledger's recorder; <see langword="null"/> without a ledger.</param>
/// <param name="Resume">What a resumed run replays; <see langword="null"/> for a new run.</param>
internal sealed record RunContext(string RunId, string ConversationId, LedgerRecorder? Recorder, ResumePlan? Resume)
{
    /// <summary>Where a sub-agent's run sits under its parent's call; <see langword="null"/> for a top-level run.</summary>
    public AgentScope? Agent { get; init; }
}
