using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace ToolFlow.ClientLatency;

/// <summary>The <c>lookup</c> tool of one run: waits its latency on the real clock, counts its runs and notes when the first began.</summary>
internal sealed class Tool
{
    private int _runs;
    private long _firstStartTicks = -1;

    /// <param name="readOnlyHint">Annotates the tool read-only (<see cref="ToolFlow.Blocks.ToolHints.ReadOnly"/>), as a user would for a chat client.</param>
    public Tool(bool readOnlyHint = false)
    {
        Function = AIFunctionFactory.Create(
            async (string q, CancellationToken cancellationToken) =>
            {
                Interlocked.CompareExchange(ref _firstStartTicks, Clock.ElapsedTicks, -1);
                Interlocked.Increment(ref _runs);
                await Task.Delay(Shape.ToolMs, cancellationToken).ConfigureAwait(false);
                return $"{q}: found";
            },
            new AIFunctionFactoryOptions
            {
                Name = "lookup",
                Description = "Looks an item up.",
                AdditionalProperties = readOnlyHint ? ToolFlow.Blocks.ToolHints.ReadOnly : null,
            });
    }

    /// <summary>Started when the run starts.</summary>
    public Stopwatch Clock { get; } = new();

    public AIFunction Function { get; }

    public int Runs => Volatile.Read(ref _runs);

    public double FirstStartMs => Interlocked.Read(ref _firstStartTicks) * 1000.0 / Stopwatch.Frequency;
}
