namespace ToolFlow.ChatLoad;

/// <summary>A whole load run: the clean waves, the wave with stalled clients, and memory before the first.</summary>
public sealed class ChatLoadResult
{
    /// <summary>The options the run used.</summary>
    public required ChatLoadOptions Options { get; init; }

    /// <summary>Memory once the server had started, before the first wave.</summary>
    public required MemorySample Baseline { get; init; }

    /// <summary>The waves in which every client read, in order.</summary>
    public required IReadOnlyList<WaveResult> CleanWaves { get; init; }

    /// <summary>The control for <see cref="StalledWave"/>: the same long conversations, their clients reading on.</summary>
    public WaveResult? ControlWave { get; init; }

    /// <summary>The wave with stalled clients, if <see cref="ChatLoadOptions.Stalled"/> is positive.</summary>
    public WaveResult? StalledWave { get; init; }

    /// <summary>The run's wall-clock time.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Every wave, in order.</summary>
    public IEnumerable<WaveResult> Waves => CleanWaves.Concat(new[] { ControlWave, StalledWave }.OfType<WaveResult>());

    /// <summary>Every broken rule, prefixed with its wave, role and conversation; empty when the run passed.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = new List<string>();
            foreach (WaveResult wave in Waves)
            {
                foreach (StreamOutcome client in wave.All)
                {
                    failures.AddRange(client.Errors.Select(e => $"wave {wave.Number}, {client.Role} of {client.ConversationId}: {e}"));
                    // A witness reads a long answer at its full rate: on a starved machine it may fall behind like any
                    // slow client (counted in the report, control wave beside stalled wave); the readers may not.
                    if (client.Role == ClientRole.Reader && client.Lagged > 0)
                    {
                        failures.Add($"wave {wave.Number}, {client.Role} of {client.ConversationId}: fell behind {client.Lagged} time(s) while reading.");
                    }
                }

                failures.AddRange(wave.Stalled.Where(s => wave.Stalling && s.Lagged == 0).Select(s => $"wave {wave.Number}, stalled client of {s.ConversationId}: never told it had fallen behind."));
            }

            return failures;
        }
    }
}
