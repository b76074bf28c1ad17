namespace ToolFlow.Profiling;

/// <summary>The shape of a tool's latency distribution.</summary>
internal enum LatencyKind
{
    /// <summary>Always the same latency.</summary>
    Fixed,

    /// <summary>Uniform between a minimum and a maximum.</summary>
    Uniform,

    /// <summary>Log-normal around a median, with a spread, optionally with a heavy tail.</summary>
    LogNormal,
}
