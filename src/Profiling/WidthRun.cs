namespace ToolFlow.Profiling;

/// <summary>One run of a scenario's overloadable tools at one width (<see cref="WidthHarness"/>).</summary>
/// <param name="Width">The width.</param>
/// <param name="Seed">The draw's seed.</param>
/// <param name="EndToEndMs">From the first conversation's start to the last one's answer.</param>
/// <param name="Calls">Calls made to the overloadable tools.</param>
/// <param name="Served">Of them, those the service served at last.</param>
/// <param name="Rejections">Attempts turned away above the capacity.</param>
/// <param name="Retries">Attempts after each call's first (after a rejection or a scripted failure).</param>
/// <param name="MeanWidth">The mean number of bodies the service ran, from its first attempt to its last body's end.</param>
public sealed record WidthRun(ConcurrencyWidth Width, int Seed, double EndToEndMs, int Calls, int Served, int Rejections, int Retries, double MeanWidth);
