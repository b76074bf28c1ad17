namespace ToolFlow.ChatLoad;

/// <summary>One wave of concurrent conversations: what each client saw, and the server's memory.</summary>
public sealed class WaveResult
{
    /// <summary>The wave's number, from 1.</summary>
    public required int Number { get; init; }

    /// <summary>Whether the long conversations' clients stopped reading (else they read on: the control).</summary>
    public required bool Stalling { get; init; }

    /// <summary>The clients that read every event.</summary>
    public required IReadOnlyList<StreamOutcome> Readers { get; init; }

    /// <summary>The long conversations' own clients: they stopped reading mid-stream if <see cref="Stalling"/>.</summary>
    public required IReadOnlyList<StreamOutcome> Stalled { get; init; }

    /// <summary>The second readers of the stalled clients' conversations.</summary>
    public required IReadOnlyList<StreamOutcome> Witnesses { get; init; }

    /// <summary>Memory once every reader and witness was done (a stalled client still reading nothing), before any deletion; null without long conversations.</summary>
    public MemorySample? WhileStalled { get; init; }

    /// <summary>Memory after the wave, its clients closed and its conversations deleted.</summary>
    public required MemorySample After { get; init; }

    /// <summary>From the first request to the last stream's end.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The readers' delivery lag.</summary>
    public required LagSummary ReaderLag { get; init; }

    /// <summary>The witnesses' delivery lag.</summary>
    public required LagSummary WitnessLag { get; init; }

    /// <summary>Every client of the wave.</summary>
    public IEnumerable<StreamOutcome> All => Readers.Concat(Stalled).Concat(Witnesses);
}
