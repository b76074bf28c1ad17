namespace ToolFlow.ChatLoad;

/// <summary>One wave of concurrent conversations: what each client saw, and the server's memory.</summary>
public sealed class WaveResult
{
    /// <summary>The wave's number, from 1.</summary>
    public required int Number { get; init; }

    /// <summary>The clients that read every event.</summary>
    public required IReadOnlyList<StreamOutcome> Readers { get; init; }

    /// <summary>The clients that stopped reading mid-stream.</summary>
    public required IReadOnlyList<StreamOutcome> Stalled { get; init; }

    /// <summary>The second readers of the stalled clients' conversations.</summary>
    public required IReadOnlyList<StreamOutcome> Witnesses { get; init; }

    /// <summary>Memory once every reader and witness was done and the stalled clients still read nothing; null without stalled clients.</summary>
    public MemorySample? WhileStalled { get; init; }

    /// <summary>Memory after the wave, its clients closed and its conversations deleted.</summary>
    public required MemorySample After { get; init; }

    /// <summary>From the first request to the last stream's end.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The readers' delivery lag.</summary>
    public LagSummary ReaderLag => LagSummary.Of(Readers);

    /// <summary>Every client of the wave.</summary>
    public IEnumerable<StreamOutcome> All => Readers.Concat(Stalled).Concat(Witnesses);
}
